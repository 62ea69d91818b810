// A client that cleans up after itself: dispose() stops the timer, the retry wait, the channel,
// store and wake-up subscriptions and the event listeners; a disposed client says so (DISPOSED).
import { describe, expect, it } from 'vitest'
import { AuthError, memoryOnlyStore, type AuthEvent } from '../../src'
import { channelHub, fakeClock, oauthError, signIn, tabs } from './fakes'

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

describe('dispose()', () => {
  it('during a retry wait: nothing is sent afterwards, and the waiting caller gets DISPOSED', async () => {
    const env = tabs({ expiresIn: 300 })
    const tab = await signIn(env, env.open())
    const posted: unknown[] = []
    const other = env.hub.endpoint()
    other.subscribe((message) => posted.push(message))
    const events: AuthEvent[] = []
    tab.client.onEvent((event) => events.push(event))
    for (let i = 0; i < 10; i++) env.server.failNext.push(() => oauthError('server_error', 503))
    env.clock.advance(301_000) // expired: the caller has no usable token and waits for the next try
    const caller = tab.client.getAccessToken()
    await settle()
    expect(env.server.requests.refresh_token).toBe(1) // the first try failed; the loop now waits
    const [requests, seen, heard] = [env.server.requests.refresh_token, events.length, posted.length]
    tab.client.dispose()
    await expect(caller).rejects.toMatchObject({ code: 'DISPOSED' })
    env.clock.advance(600_000)
    await settle()
    expect(env.server.requests.refresh_token).toBe(requests)
    expect(events.length).toBe(seen)
    expect(posted.length).toBe(heard)
  })

  it('stops the timer, the channel, store and wake-up subscriptions', async () => {
    const clock = fakeClock()
    let timers = 0
    const countingClock = { now: clock.now, setTimeout: (fn: () => void, ms: number) => (timers++, clock.setTimeout(fn, ms)) }
    const env = tabs({ expiresIn: 300 })
    const tab = await signIn(env, env.open())
    const store = memoryOnlyStore({ channel: channelHub().endpoint(), answerWaitMs: 0 })
    let storeListeners = 0
    const watched = { ...store, subscribe: (listener: () => void) => (storeListeners++, ((stop) => () => (storeListeners--, stop()))(store.subscribe!(listener))) }
    const next = env.open({ store: watched, clock: countingClock })
    const stop = next.client.subscribe(() => {})
    await next.client.start()
    expect(storeListeners).toBe(1)
    next.client.dispose()
    stop()
    expect(storeListeners).toBe(0)
    const before = timers
    next.lifecycle.wake()
    env.hub.inject({ tabauth: 1, type: 'session', key: 'x', generation: 99 })
    clock.advance(600_000)
    await settle()
    expect(timers).toBe(before)
    expect(tab.client.getSnapshot().status).toBe('signedIn')
    store.dispose()
  })

  it('a disposed client rejects with DISPOSED, never half-works', async () => {
    const env = tabs()
    const tab = await signIn(env, env.open())
    tab.client.dispose()
    for (const call of [
      () => tab.client.getAccessToken(),
      () => tab.client.start(),
      () => tab.client.login(),
      () => tab.client.logout(),
      () => tab.client.autoLogin(),
      () => tab.client.fetch('https://app.example.test/api'),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(AuthError)
      expect(error).toMatchObject({ code: 'DISPOSED' })
    }
    expect(() => tab.client.onEvent(() => {})).toThrow(expect.objectContaining({ code: 'DISPOSED' }))
    expect(tab.client.getSnapshot().status).toBe('signedIn') // the last snapshot stays readable (React may render it while unmounting)
  })
})
