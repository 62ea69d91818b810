// One live client per provider: StrictMode's mount/unmount/mount (and hot reload, which does the
// same) keeps the provider's client, and an unmount disposes it. Counted with fakes: channel,
// store and wake-up subscriptions, and the timers armed on the client's clock.
import { StrictMode } from 'react'
import { act, cleanup, render } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthProvider, memoryStore, useToken, type AuthConfig, type Channel, type Clock, type SessionRecord, type SessionStore } from '../../src'
import { APP, CLIENT_ID, fakeLifecycle, fakeNavigation, ISSUER } from '../unit/fakes'

afterEach(cleanup)

function counted() {
  const live = { channel: 0, store: 0, wake: 0, timers: 0 }
  const track = (kind: keyof typeof live, stop: () => void) => {
    live[kind]++
    let stopped = false
    return () => {
      if (!stopped) live[kind]--
      stopped = true
      stop()
    }
  }
  const channel: Channel = { post: () => {}, subscribe: () => track('channel', () => {}) }
  const inner = memoryStore()
  const store: SessionStore = { get: inner.get, set: inner.set, subscribe: () => track('store', () => {}) }
  const lifecycle = fakeLifecycle()
  const watchedLifecycle = { ...lifecycle, onWake: (listener: () => void) => track('wake', lifecycle.onWake(listener)) }
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const id = setTimeout(() => stop(), ms)
      const stop = track('timers', () => clearTimeout(id))
      void fn
      return stop
    },
  }
  return {
    live,
    inner,
    config: {
      issuer: ISSUER,
      clientId: CLIENT_ID,
      channel,
      store,
      lifecycle: watchedLifecycle,
      clock,
      navigation: fakeNavigation(`${APP}/`),
      fetch: () => Promise.reject(new TypeError('offline')),
      debug: false,
    } satisfies AuthConfig,
  }
}

function Token() {
  const { status, accessToken } = useToken()
  return <p>{`${status} ${accessToken ?? ''}`}</p>
}

describe('AuthProvider', () => {
  it('mounted and unmounted 10 times under StrictMode: exactly one live client while mounted, none after', async () => {
    const { live, inner, config } = counted()
    const record: SessionRecord = {
      v: 1,
      generation: 1,
      session: { tokens: { accessToken: 'at-1', tokenType: 'Bearer', refreshToken: 'rt', issuedAt: Date.now(), expiresAt: Date.now() + 3_600_000 }, user: { sub: 'alice' } },
    }
    await inner.set(`${ISSUER} ${CLIENT_ID}`, record)
    for (let i = 0; i < 10; i++) {
      const view = render(
        <StrictMode>
          <AuthProvider {...config}>
            <Token />
          </AuthProvider>
        </StrictMode>,
      )
      await act(async () => {
        for (let j = 0; j < 10; j++) await new Promise((resolve) => setTimeout(resolve, 0))
      })
      expect(view.container.textContent).toBe('signedIn at-1')
      // One client: one channel, store and wake-up subscription; its wake-up timer and useToken's expiry timer.
      expect(live).toEqual({ channel: 1, store: 1, wake: 1, timers: 2 })
      view.unmount()
      await act(async () => {
        await Promise.resolve()
      })
      expect(live).toEqual({ channel: 0, store: 0, wake: 0, timers: 0 })
    }
  })

  it('never disposes a client it was given', async () => {
    const { live, config } = counted()
    const { createAuthClient } = await import('../../src')
    const client = createAuthClient(config)
    const view = render(
      <StrictMode>
        <AuthProvider client={client} />
      </StrictMode>,
    )
    await act(async () => {
      for (let j = 0; j < 10; j++) await new Promise((resolve) => setTimeout(resolve, 0))
    })
    view.unmount()
    await act(async () => {
      await Promise.resolve()
    })
    expect(live.channel).toBe(1)
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED' })
    client.dispose()
    expect(live.channel).toBe(0)
  })
})
