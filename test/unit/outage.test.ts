// Issue 8: one retry schedule for every tab, and a truthful snapshot while the server is away.
// Several fake tabs share one store, lock and channel, as real tabs share IndexedDB, Web Locks
// and a BroadcastChannel; the e2e suite checks the same against the real provider in Chromium.
import { describe, expect, it } from 'vitest'
import type { AuthEvent } from '../../src'
import { memoryOnlyStore } from '../../src/memory-only'
import { channelHub, oauthError, signIn, tabs } from './fakes'

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

type Tab = ReturnType<ReturnType<typeof tabs>['open']>

async function fiveTabs(config = {}, env = tabs({ expiresIn: 300 })) {
  const all: Tab[] = [await signIn(env, env.open(config), config)]
  for (let i = 1; i < 5; i++) {
    const tab = env.open(config)
    await tab.client.start()
    all.push(tab)
  }
  return { env, all }
}

/** Moves the fake clock on in steps, letting promises run in between; records each refresh request's time. */
async function runFor(env: ReturnType<typeof tabs>, ms: number, step = 100) {
  for (let t = 0; t < ms; t += step) {
    env.clock.advance(step)
    await settle()
  }
}

function recordRequestTimes(env: ReturnType<typeof tabs>): number[] {
  const times: number[] = []
  const fetch = env.server.fetch
  env.server.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (String(init?.body ?? '').includes('grant_type=refresh_token')) times.push(env.clock.now())
    return fetch(input, init)
  }) as typeof fetch
  return times
}

describe('one retry schedule for every tab', { timeout: 20_000 }, () => {
  it('5 tabs asking at once after expiry, 503 twice: one request per backoff step, then all tabs on one new token', async () => {
    const env = tabs({ expiresIn: 300 })
    const times = recordRequestTimes(env)
    const { all } = await fiveTabs({}, env)
    all.forEach((tab) => tab.client.subscribe(() => {}))
    env.clock.advance(301_000)
    env.server.failNext.push(
      () => oauthError('temporarily_unavailable', 503),
      () => oauthError('temporarily_unavailable', 503),
    )
    const results = all.map((tab) => tab.client.getAccessToken())
    await runFor(env, 10_000)
    const tokens = await Promise.all(results)
    expect(env.server.requests.refresh_token).toBe(3) // 503, 503, 200: not one per tab
    expect(new Set(tokens).size).toBe(1)
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokens[0] })
    // The second request waited for the first backoff step (0.5–1 s), the third for the second (1–2 s).
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(500)
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(1000)
  })

  it("a server's Retry-After holds for every tab, not just the one that got it", async () => {
    const env = tabs({ expiresIn: 300 })
    const times = recordRequestTimes(env)
    const { all } = await fiveTabs({}, env)
    env.clock.advance(301_000)
    env.server.failNext.push(() => new Response('slow down', { status: 429, headers: { 'retry-after': '5' } }))
    const first = all[0].client.getAccessToken().catch((e: unknown) => e)
    await settle()
    // The other tabs ask one by one during the window: none of them sends.
    for (const tab of all.slice(1)) {
      const pending = tab.client.getAccessToken()
      await runFor(env, 500)
      expect(env.server.requests.refresh_token).toBe(1)
      void pending.catch(() => {})
    }
    await runFor(env, 5_000)
    await first
    expect(env.server.requests.refresh_token).toBe(2)
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(5_000)
  })

  it('six failures: the requests follow one growing schedule; a success clears it for everyone', async () => {
    const env = tabs({ expiresIn: 300 })
    const times = recordRequestTimes(env)
    const { all } = await fiveTabs({ retry: { attempts: 10 } }, env)
    all.forEach((tab) => tab.client.subscribe(() => {}))
    env.clock.advance(301_000)
    for (let i = 0; i < 6; i++) env.server.failNext.push(() => oauthError('server_error', 503))
    const results = all.map((tab) => tab.client.getAccessToken())
    await runFor(env, 90_000, 1000)
    const tokens = await Promise.all(results)
    expect(env.server.requests.refresh_token).toBe(7)
    const gaps = times.slice(1).map((t, i) => t - times[i])
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(500 * 2 ** i)) // never two inside one step
    expect(new Set(tokens).size).toBe(1)
    const record = (await env.store.get('https://id.example.test spa')) as { retry?: unknown }
    expect(record.retry).toBeUndefined()
  })

  it('back online: one attempt for all tabs, not one per tab', async () => {
    const { env, all } = await fiveTabs()
    env.clock.advance(301_000)
    env.server.failNext.push(() => Promise.reject(new TypeError('Failed to fetch')))
    for (const tab of all) tab.lifecycle.online = false
    await Promise.allSettled(all.map((tab) => tab.client.getAccessToken()))
    expect(env.server.requests.refresh_token).toBe(1)
    env.server.failNext.push(() => Promise.reject(new TypeError('Failed to fetch'))) // still down when they wake
    env.clock.advance(1_000)
    for (const tab of all) {
      tab.lifecycle.online = true
      tab.lifecycle.wake()
    }
    await runFor(env, 300)
    expect(env.server.requests.refresh_token).toBe(2)
  })

  it('the memory-only store carries the schedule too', async () => {
    const hub = channelHub()
    const env = tabs({ expiresIn: 300 })
    const stores = Array.from({ length: 3 }, () => memoryOnlyStore({ channel: hub.endpoint(), answerWaitMs: 0 }))
    const all: Tab[] = [await signIn(env, env.open({ store: stores[0] }), { store: stores[0] })]
    for (const store of stores.slice(1)) {
      const tab = env.open({ store })
      await tab.client.start()
      all.push(tab)
    }
    await settle()
    env.clock.advance(301_000)
    env.server.failNext.push(() => oauthError('server_error', 503))
    const results = all.map((tab) => tab.client.getAccessToken())
    for (let i = 0; i < 20; i++) await settle() // real timers: the store waits for the other tabs' answers
    expect(env.server.requests.refresh_token).toBe(1) // the others read the schedule from the first tab's copy
    await runFor(env, 2_000)
    for (let i = 0; i < 20; i++) await settle()
    await Promise.all(results)
    expect(env.server.requests.refresh_token).toBe(2)
  })
})

describe('a truthful snapshot during an outage', { timeout: 20_000 }, () => {
  it('past expiry with the refresh failing, no tab says signedIn; the session is kept and comes back by itself', async () => {
    const { env, all } = await fiveTabs()
    all.forEach((tab) => tab.client.subscribe(() => {})) // a mounted UI in every tab
    all.slice(1).forEach((tab) => (tab.lifecycle.visible = false)) // one visible tab refreshes; the hidden ones never send
    for (let i = 0; i < 6; i++) env.server.failNext.push(() => Promise.reject(new TypeError('Failed to fetch')))
    env.clock.advance(265_000)
    await runFor(env, 37_000, 500) // the visible tab refreshes ahead of expiry and fails; the tokens expire
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'outage', error: { code: 'NETWORK' } })
    const failed = env.server.requests.refresh_token
    expect(failed).toBeGreaterThanOrEqual(2)
    env.server.failNext.length = 0 // the server is back
    await runFor(env, 40_000, 1000)
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 2 })
    expect(env.server.requests.refresh_token).toBe(failed + 1)
  })

  it('a hidden tab that looked at expiry before the failure was written still shows it: the failing tab tells every tab', async () => {
    const { env, all } = await fiveTabs()
    all.forEach((tab) => tab.client.subscribe(() => {}))
    all.forEach((tab) => (tab.lifecycle.visible = false))
    env.clock.advance(300_000) // expiry: every hidden tab re-reads the store and finds no failure yet
    await settle()
    for (const tab of all.slice(1)) expect(tab.client.getSnapshot().status).toBe('signedIn')
    env.server.failNext.push(() => Promise.reject(new TypeError('Failed to fetch')))
    all[0].lifecycle.visible = true
    void all[0].client.getAccessToken().catch(() => {}) // fails, then waits for the next shared attempt
    await settle()
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'outage', error: { code: 'NETWORK' } })
    expect(env.server.requests.refresh_token).toBe(1) // the hidden tabs sent nothing
  })

  it('a caller without a valid token during the backoff waits for the next shared attempt', async () => {
    const { env, all } = await fiveTabs()
    env.clock.advance(301_000)
    env.server.failNext.push(() => oauthError('server_error', 503))
    const events: AuthEvent[] = []
    all[1].client.onEvent((e) => events.push(e))
    const first = all[0].client.getAccessToken()
    await settle()
    const second = all[1].client.getAccessToken() // inside the backoff
    await runFor(env, 2_000)
    const [a, b] = await Promise.all([first, second])
    expect(a).toBe(b)
    expect(env.server.requests.refresh_token).toBe(2)
    expect(events.some((e) => e.type === 'refreshFailed')).toBe(false) // tab 2 sent nothing itself
  })
})
