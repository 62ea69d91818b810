// A client that cleans up: dispose() ends every timer, retry wait and subscription, and a disposed
// client says so (DISPOSED) instead of half-working. (AuthProvider's part is test/react/lifecycle.test.tsx.)
import { describe, expect, it } from 'vitest'
import type { AuthEvent } from '../../src'
import { oauthError, signIn, tabs } from './fakes'

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

describe('dispose()', () => {
  it('during a retry wait: nothing is sent afterwards (no request, channel message or event), and the waiting caller gets DISPOSED', async () => {
    const env = tabs()
    const tab = await signIn(env, env.open())
    tab.client.subscribe(() => {}) // rendered: the tab's own timer runs too
    const posted: unknown[] = []
    env.hub.endpoint().subscribe((message) => posted.push(message))
    const events: AuthEvent[] = []
    tab.client.onEvent((event) => events.push(event))
    for (let i = 0; i < 10; i++) env.server.failNext.push(() => oauthError('server_error', 503))
    env.clock.advance(301_000) // expired: a caller must wait for the next try
    const waiting = tab.client.getAccessToken().catch((error: unknown) => error)
    await settle()
    expect(env.server.requests.refresh_token).toBe(1) // the first try failed; the caller waits out the backoff
    expect(events.map((e) => e.type)).toEqual(['refreshFailed'])

    tab.client.dispose()
    const [requests, messages] = [env.server.requests.refresh_token, posted.length]
    env.clock.advance(600_000) // every backoff step, and the tab's timer, would have run by now
    await settle()
    expect(await waiting).toMatchObject({ code: 'DISPOSED' })
    expect(env.server.requests.refresh_token).toBe(requests)
    expect(posted).toHaveLength(messages)
    expect(events.map((e) => e.type)).toEqual(['refreshFailed'])
  })

  it('a disposed client rejects every call with DISPOSED, hears no other tab, and notifies no listener', async () => {
    const env = tabs()
    const tab = await signIn(env, env.open())
    let notified = 0
    tab.client.subscribe(() => notified++)
    tab.client.dispose()
    for (const call of [
      () => tab.client.getAccessToken(),
      () => tab.client.start(),
      () => tab.client.login(),
      () => tab.client.autoLogin(),
      () => tab.client.logout(),
      () => tab.client.fetch('https://app.example.test/api'),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'DISPOSED' })
    }
    const before = tab.client.getSnapshot()
    await signIn(env, env.open()) // another tab signs in again: a new generation, on the channel and in the store
    await settle()
    expect(tab.client.getSnapshot()).toBe(before)
    expect(notified).toBe(0)
    expect(tab.client.subscribe(() => notified++)).toBeTypeOf('function') // a no-op, never called
  })
})
