import { relogin } from '../../src/relogin'
import { describe, expect, it, vi } from 'vitest'
import { AuthError, LoginRequiredError, type AuthEvent } from '../../src'
import { invalidGrantReasons } from '../../src/core/explain'
import { backoffMs } from '../../src/core/backoff'
import { APP, oauthError, signIn, tabs } from './fakes'

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** Lets real async work (WebCrypto for PKCE) finish: on a loaded machine it can take longer than `settle`. */
async function until(condition: () => boolean, ms = 2000) {
  const deadline = Date.now() + ms
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
}

async function signedIn(count = 1, config = {}) {
  const env = tabs({ expiresIn: 300 })
  const first = await signIn(env, env.open(config), config)
  const all: Array<Omit<typeof first, 'callback'>> = [first]
  for (let i = 1; i < count; i++) {
    const tab = env.open(config)
    await tab.client.start()
    all.push(tab)
  }
  return { env, all }
}

/** Advances the fake clock in steps, letting promises run in between. */
async function runFor(env: { clock: { advance(ms: number): void } }, ms: number, step = 250) {
  for (let t = 0; t < ms; t += step) {
    env.clock.advance(step)
    await settle()
  }
}

describe('transient failures', () => {
  it('with the token still valid: the caller gets it at once, the retry runs in the background', async () => {
    const { env, all } = await signedIn()
    const [tab] = all
    tab.client.subscribe(() => {}) // a mounted UI: background work runs while something listens
    const before = tab.client.getSnapshot() as { accessToken: string }
    env.clock.advance(285_000) // stale (30 s skew) but not expired
    env.server.failNext.push(() => oauthError('server_error', 503))
    await expect(tab.client.getAccessToken()).resolves.toBe(before.accessToken)
    expect(env.server.requests.refresh_token).toBe(1)
    expect(tab.client.getSnapshot().status).toBe('signedIn')
    await runFor(env, 3_000) // the first backoff is 0.5–1 s
    expect(env.server.requests.refresh_token).toBe(2)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 2 })
  })

  it('with the token expired: bounded, spaced retries, then error; the session survives and recovers', async () => {
    const { env, all } = await signedIn()
    const [tab] = all
    tab.client.subscribe(() => {})
    const events: AuthEvent[] = []
    tab.client.onEvent((e) => events.push(e))
    env.clock.advance(301_000)
    for (let i = 0; i < 10; i++) env.server.failNext.push(() => oauthError('server_error', 500))
    let error: unknown
    const pending = tab.client.getAccessToken().catch((e: unknown) => (error = e))
    while (!error) await runFor(env, 250)
    await pending
    expect(error).toMatchObject({ code: 'SERVER_ERROR', status: 500 })
    expect(env.server.requests.refresh_token).toBe(4) // retry.attempts
    const delays = events.flatMap((e) => (e.type === 'refreshFailed' ? [e.retryInMs] : []))
    expect(delays).toHaveLength(4)
    delays.forEach((d, i) => expect(d).toBeGreaterThanOrEqual(500 * 2 ** i)) // exponential, with jitter on top of half
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'outage', user: { sub: 'alice' }, error: { code: 'SERVER_ERROR' } })
    // The server comes back: the next retry restores the session by itself.
    env.server.failNext.length = 0
    await runFor(env, 20_000, 1000)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 2 })
  })

  it('the retry survives the UI re-subscribing during the backoff', async () => {
    const { env, all } = await signedIn()
    const [tab] = all
    const unmount = tab.client.subscribe(() => {})
    env.clock.advance(285_000)
    env.server.failNext.push(() => oauthError('server_error', 500))
    await tab.client.getAccessToken()
    expect(env.server.requests.refresh_token).toBe(1)
    // The only listening component unmounts and mounts again: the schedule is recomputed.
    unmount()
    tab.client.subscribe(() => {})
    await tab.client.getAccessToken() // asks during the backoff: no request
    expect(env.server.requests.refresh_token).toBe(1)
    await runFor(env, 3_000)
    expect(env.server.requests.refresh_token).toBe(2)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 2 })
  })

  it('the retry happens even when the timer fires a little early', async () => {
    // Browser timers may fire a millisecond before their time by Date.now(); 20 ms here, so that
    // the clock (moved in 10 ms steps) is still before the retry time when the callback runs.
    const env = tabs({ expiresIn: 300, earlyTimersMs: 20 })
    const tab = await signIn(env, env.open())
    tab.client.subscribe(() => {})
    env.clock.advance(285_000)
    env.server.failNext.push(() => oauthError('server_error', 500))
    await tab.client.getAccessToken()
    env.clock.advance(400) // the first backoff is 0.5-1 s
    for (let t = 0; t < 1_000 && env.server.requests.refresh_token < 2; t += 10) {
      env.clock.advance(10)
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
    }
    await settle()
    expect(env.server.requests.refresh_token).toBe(2)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 2 })
  })

  it("a visible tab's timer that fires a little early still refreshes ahead of expiry", async () => {
    // Firefox rounds Date.now(): a timer can run while the token it came for still looks fresh.
    const env = tabs({ expiresIn: 300, earlyTimersMs: 20 })
    const tab = await signIn(env, env.open())
    tab.client.subscribe(() => {}) // rendered and visible: the tab refreshes by its own timer
    for (let t = 0; t < 271_000 && (env.server.requests.refresh_token ?? 0) < 1; t += 10) {
      env.clock.advance(10)
      if (t > 269_000) for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
    }
    await settle()
    expect(env.server.requests.refresh_token).toBe(1)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 2 })
  })

  it('callers asking during the backoff cause no request', async () => {
    const { env, all } = await signedIn()
    env.clock.advance(301_000)
    for (let i = 0; i < 20; i++) env.server.failNext.push(() => oauthError('server_error', 500))
    const tab = all[0]
    let settled = false
    const first = tab.client.getAccessToken().catch(() => (settled = true))
    while (!settled) await runFor(env, 100, 100)
    await first
    const attempts = env.server.requests.refresh_token
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => tab.client.getAccessToken()))
    results.forEach((r) => expect(r).toMatchObject({ status: 'rejected', reason: { code: 'SERVER_ERROR' } }))
    expect(env.server.requests.refresh_token).toBe(attempts)
  })

  it('honours Retry-After on 429', async () => {
    const { env, all } = await signedIn()
    const events: AuthEvent[] = []
    all[0].client.onEvent((e) => events.push(e))
    env.clock.advance(285_000)
    env.server.failNext.push(() => new Response('{}', { status: 429, headers: { 'retry-after': '20', 'content-type': 'application/json' } }))
    await all[0].client.getAccessToken()
    expect(events).toContainEqual(expect.objectContaining({ type: 'refreshFailed', retryInMs: 20_000 }))
  })

  it('offline: no request loop; one refresh when back online', async () => {
    const { env, all } = await signedIn(3)
    for (const tab of all) tab.lifecycle.online = false
    env.clock.advance(301_000)
    for (let i = 0; i < 3; i++) env.server.failNext.push(() => Promise.reject(new TypeError('Failed to fetch')))
    const results = await Promise.allSettled(all.map((tab) => tab.client.getAccessToken()))
    results.forEach((r) => expect(r).toMatchObject({ status: 'rejected', reason: { code: 'NETWORK' } }))
    const attempts = env.server.requests.refresh_token
    expect(attempts).toBe(1) // one schedule for all tabs: the others saw the failure in the store
    await runFor(env, 60_000, 1000)
    expect(env.server.requests.refresh_token).toBe(attempts) // nothing while offline
    env.server.failNext.length = 0
    for (const tab of all) {
      tab.lifecycle.online = true
      tab.lifecycle.wake()
    }
    await settle()
    await settle()
    expect(env.server.requests.refresh_token).toBe(attempts + 1)
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 2 })
  })

  it('a tab that never loaded the metadata treats an unreachable server as transient, not as DISCOVERY_FAILED', async () => {
    const { env } = await signedIn()
    const once = { retry: { attempts: 1 } }
    const offline = env.open({ ...once, fetch: () => Promise.reject(new TypeError('Failed to fetch')) })
    const events: AuthEvent[] = []
    offline.client.onEvent((e) => events.push(e))
    await offline.client.start()
    env.clock.advance(301_000)
    await expect(offline.client.getAccessToken()).rejects.toMatchObject({ code: 'NETWORK' })
    expect(events[0]).toMatchObject({ type: 'refreshFailed', error: { code: 'NETWORK' } })
    env.clock.advance(60_000) // past the shared backoff, so that the next tab sends
    const overloaded = env.open({ ...once, fetch: async () => new Response('busy', { status: 503 }) })
    await overloaded.client.start()
    await expect(overloaded.client.getAccessToken()).rejects.toMatchObject({ code: 'SERVER_ERROR', status: 503 })
    env.clock.advance(60_000)
    // A server that answers, but not with metadata, is a configuration problem.
    const misconfigured = env.open({ ...once, fetch: async () => new Response('nope', { status: 404 }) })
    await misconfigured.client.start()
    await expect(misconfigured.client.getAccessToken()).rejects.toMatchObject({ code: 'DISCOVERY_FAILED' })
  })

  it('backoff is capped and jittered', () => {
    const error = new AuthError('NETWORK', 'x')
    expect(backoffMs(1, error, {}, () => 0)).toBe(500)
    expect(backoffMs(1, error, {}, () => 1)).toBe(1000)
    expect(backoffMs(3, error, {}, () => 1)).toBe(4000)
    expect(backoffMs(20, error, {}, () => 1)).toBe(30_000)
    expect(backoffMs(20, error, { maxMs: 5000 }, () => 0)).toBe(2500)
  })
})

describe('re-login', () => {
  it("relogin: 'prompt' shows reloginRequired and never redirects by itself", async () => {
    const { env, all } = await signedIn(3)
    const assigned = all.map((t) => t.navigation.assigned.length)
    env.server.revokeAll()
    env.clock.advance(301_000)
    await Promise.allSettled(all.map((t) => t.client.getAccessToken()))
    await runFor(env, 30_000, 1000)
    expect(all.map((t) => t.navigation.assigned.length)).toEqual(assigned)
    expect(env.server.requests.refresh_token).toBe(1)
    for (const tab of all) expect(tab.client.getSnapshot().status).toBe('reloginRequired')
  })

  it('relogin({ redirect: true }) sends exactly one visible tab to the server', async () => {
    const { env, all } = await signedIn(4, { relogin: relogin({ redirect: true }) })
    all[0].lifecycle.visible = false // the hidden tab never redirects
    const assigned = all.map((t) => t.navigation.assigned.length)
    env.server.revokeAll()
    env.clock.advance(301_000)
    await Promise.allSettled(all.map((t) => t.client.getAccessToken()))
    await until(() => all.some((t, i) => t.navigation.assigned.length > assigned[i]))
    await settle()
    const redirects = all.map((t, i) => t.navigation.assigned.slice(assigned[i]))
    expect(redirects.flat()).toHaveLength(1)
    expect(redirects[0]).toHaveLength(0)
    expect(new URL(redirects.flat()[0]).pathname).toBe('/auth')
    expect(env.server.requests.refresh_token).toBe(1)
  })

  it('the loop breaker allows one automatic redirect per tab per window, then RELOGIN_LOOP', async () => {
    const env = tabs({ expiresIn: 20 })
    const first = await signIn(env, env.open({ relogin: relogin({ redirect: true }) }), { relogin: relogin({ redirect: true }) })
    env.server.revokeAll()
    env.clock.advance(21_000)
    await first.client.getAccessToken().catch(() => {})
    await until(() => first.navigation.assigned.length > 0) // the redirect waits for PKCE's WebCrypto (CI: [] under load)
    await settle()
    expect(first.navigation.assigned.filter((u) => u.includes('/auth'))).toHaveLength(1)
    // Back from the server, signed in again, and the grant dies again within the minute.
    const callback = await env.server.authorize(first.navigation.assigned.at(-1)!)
    const again = env.open({ url: callback, transactionStorage: first.transactionStorage, relogin: relogin({ redirect: true }) })
    await again.client.start()
    expect(again.client.getSnapshot().status).toBe('signedIn')
    let notified = 0
    again.client.subscribe(() => notified++)
    env.server.revokeAll()
    env.clock.advance(21_000)
    await again.client.getAccessToken().catch(() => {})
    await settle()
    expect(again.navigation.assigned).toHaveLength(0)
    expect(notified).toBe(2) // reloginRequired, then its RELOGIN_LOOP reason: no churn
    expect(again.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { code: 'RELOGIN_LOOP' } })
  })

  it('the window holds across tabs: a grant that dies again soon after an automatic re-login redirects no tab', async () => {
    const env = tabs({ expiresIn: 20 })
    const config = { relogin: relogin({ redirect: true }) }
    const first = await signIn(env, env.open(config), config)
    const second = env.open(config)
    await second.client.start()
    env.server.revokeAll()
    env.clock.advance(21_000)
    await Promise.allSettled([first.client.getAccessToken(), second.client.getAccessToken()])
    await until(() => first.navigation.assigned.length + second.navigation.assigned.length > 0)
    await settle()
    const redirected = [first, second].filter((t) => t.navigation.assigned.length === 1)
    expect(redirected).toHaveLength(1)
    // The redirected tab comes back signed in; the other adopts the session.
    const back = env.open({ ...config, url: await env.server.authorize(redirected[0].navigation.assigned[0]), transactionStorage: redirected[0].transactionStorage })
    await back.client.start()
    const stayed = redirected[0] === first ? second : first
    await settle()
    expect(stayed.client.getSnapshot().status).toBe('signedIn')
    // Dies again within the window: no tab goes to the server, every tab shows the prompt.
    env.server.revokeAll()
    env.clock.advance(21_000)
    await Promise.allSettled([back.client.getAccessToken(), stayed.client.getAccessToken()])
    await settle()
    expect(back.navigation.assigned).toHaveLength(0)
    expect(stayed.navigation.assigned).toHaveLength(redirected[0] === stayed ? 1 : 0)
    expect(back.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { code: 'RELOGIN_LOOP' } })
    expect(stayed.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED' } })
  })

  it('the window holds across a refresh made between the re-login and the next dead grant', async () => {
    const env = tabs({ expiresIn: 20 })
    const config = { relogin: relogin({ redirect: true }) }
    const first = await signIn(env, env.open(config), config)
    env.server.revokeAll()
    env.clock.advance(21_000)
    await first.client.getAccessToken().catch(() => {})
    await until(() => first.navigation.assigned.length > 0)
    await settle()
    expect(first.navigation.assigned).toHaveLength(1)
    const back = env.open({ ...config, url: await env.server.authorize(first.navigation.assigned[0]), transactionStorage: first.transactionStorage })
    await back.client.start()
    // A fresh tab (its own sessionStorage: its breaker allows it) refreshes, then the grant dies again.
    const other = env.open(config)
    await other.client.start()
    env.clock.advance(21_000)
    await other.client.getAccessToken()
    expect(env.server.requests.refresh_token).toBe(2)
    env.server.revokeAll()
    env.clock.advance(21_000)
    await other.client.getAccessToken().catch(() => {})
    await settle()
    expect(other.navigation.assigned).toHaveLength(0)
    expect(other.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED' } })
  })

  it('getAccessToken rejects with LoginRequiredError, or waits for the new session when configured', async () => {
    const { env, all } = await signedIn(2, { relogin: relogin({ waitMs: 30_000 }) })
    env.server.revokeAll()
    env.clock.advance(301_000)
    await expect(all[0].client.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError)
    await settle()
    const waiting = all[1].client.getAccessToken()
    await signIn(env, env.open()) // another tab signs in again
    await settle()
    await expect(waiting).resolves.toMatch(/^at-/)
  })

  it('reloginRequired carries the reason of the rejected refresh token', async () => {
    const { env, all } = await signedIn()
    env.server.revokeAll()
    env.clock.advance(301_000)
    const error = await all[0].client.getAccessToken().catch((e: AuthError) => e)
    expect(error).toMatchObject({ code: 'LOGIN_REQUIRED', error: 'invalid_grant', reason: 'refresh_token_revoked_or_expired' })
    expect((error as Error).message).toMatch(/revoked .* or has expired/)
  })
})

describe('invalid_grant reasons', () => {
  const exchange = {
    grant: 'authorization_code' as const,
    transactionAgeMs: 5_000,
    codeLifetimeMs: 60_000,
    redirectUriSent: `${APP}/callback`,
    redirectUriAuthorized: `${APP}/callback`,
    codeVerifier: 'v',
    clientIdSent: 'spa',
    clientIdAuthorized: 'spa',
  }
  it.each([
    ['a consistent, recent exchange', exchange, ['code_reused', 'code_expired']],
    ['an old transaction', { ...exchange, transactionAgeMs: 120_000 }, ['code_expired', 'code_reused']],
    ['another redirect_uri', { ...exchange, redirectUriSent: `${APP}/other` }, ['redirect_uri_mismatch']],
    ['no verifier', { ...exchange, codeVerifier: undefined }, ['pkce_mismatch']],
    ['another client', { ...exchange, clientIdSent: 'other' }, ['client_mismatch']],
    ['a refresh under a cross-tab lock', { grant: 'refresh_token' as const, crossTabLock: true }, ['refresh_token_revoked_or_expired']],
    ['a refresh without Web Locks', { grant: 'refresh_token' as const, crossTabLock: false }, ['refresh_token_revoked_or_expired', 'refresh_token_reused']],
  ])('%s → %j', (_, facts, reasons) => {
    expect(invalidGrantReasons(facts)).toEqual(reasons)
  })

  it('in development the console gets the hint, and no token', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      const { env, all } = await signedIn(1, { debug: true })
      const tokens = (await env.store.get('https://id.example.test spa')) as { session: { tokens: Record<string, string> } }
      env.server.revokeAll()
      env.clock.advance(301_000)
      await all[0].client.getAccessToken().catch(() => {})
      expect(warn).toHaveBeenCalledTimes(1)
      const printed = String(warn.mock.calls[0][0])
      expect(printed).toMatch(/^\[tabauth\] INVALID_GRANT: The refresh token was rejected .*revoked/)
      for (const secret of [tokens.session.tokens.accessToken, tokens.session.tokens.refreshToken, tokens.session.tokens.idToken]) expect(printed).not.toContain(secret)
    } finally {
      warn.mockRestore()
    }
  })

  it('a replayed code is explained as code_reused', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0])
    env.server.failNext.push(() => oauthError('invalid_grant'))
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_GRANT', reason: 'code_reused', reasons: ['code_reused', 'code_expired'] } })
  })
})

describe('fetch with the access token', () => {
  it('on 401 invalid_token refreshes once and replays once; a second 401 is returned', async () => {
    const { env, all } = await signedIn()
    const seen: string[] = []
    let refuse = 1
    const api = async (request: Request) => {
      seen.push(request.headers.get('authorization')!)
      if (refuse-- > 0) return new Response('no', { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="revoked"' } })
      return new Response('ok')
    }
    const fetchImpl = env.server.fetch
    const tab = env.open({
      resourceServers: ['https://api.example.test'],
      fetch: (input, init) => (String(input instanceof Request ? input.url : input).startsWith('https://api.') ? api(input as Request) : fetchImpl(input, init)),
    })
    await tab.client.start()
    const response = await tab.client.fetch('https://api.example.test/orders', { method: 'POST', body: 'x=1' })
    expect(await response.text()).toBe('ok')
    expect(seen).toHaveLength(2)
    expect(seen[0]).not.toBe(seen[1])
    expect(env.server.requests.refresh_token).toBe(1)
    // Always refused: one replay, then the 401 goes to the caller.
    refuse = 10
    const refused = await tab.client.fetch('https://api.example.test/orders')
    expect(refused.status).toBe(401)
    expect(seen).toHaveLength(4)
    expect(env.server.requests.refresh_token).toBe(2)
    void all
  })

  it('other 401s and 403s are returned without a refresh', async () => {
    const { env } = await signedIn()
    const fetchImpl = env.server.fetch
    const statuses = [
      [401, 'Basic realm="x"'],
      [403, 'Bearer error="insufficient_scope"'],
      [401, 'Bearer realm="api"'],
    ] as const
    for (const [status, challenge] of statuses) {
      const tab = env.open({
        resourceServers: ['https://api.example.test'],
        fetch: (input, init) => (input instanceof Request ? Promise.resolve(new Response(null, { status, headers: { 'www-authenticate': challenge } })) : fetchImpl(input, init)),
      })
      await tab.client.start()
      expect((await tab.client.fetch('https://api.example.test/')).status).toBe(status)
    }
    expect(env.server.requests.refresh_token).toBe(0)
  })
})

describe('bad input', () => {
  it('a 200 without access_token ends the session (the refresh token may be spent): never sent again', async () => {
    const { env, all } = await signedIn()
    env.clock.advance(285_000)
    env.server.failNext.push(() => new Response(JSON.stringify({ token_type: 'Bearer' }), { headers: { 'content-type': 'application/json' } }))
    await expect(all[0].client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED', reason: 'token_response_unusable', status: 200, cause: { code: 'INVALID_RESPONSE' } })
    await expect(all[0].client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED' })
    expect(all[0].client.getSnapshot().status).toBe('reloginRequired')
    expect(env.server.requests.refresh_token).toBe(1)
  })

  it('a corrupt store value is removed on start', async () => {
    const env = tabs()
    const key = 'https://id.example.test spa'
    await env.store.set(key, '{broken' as never)
    const tab = env.open()
    await tab.client.start()
    expect(tab.client.getSnapshot()).toEqual({ status: 'signedOut' })
    expect(await env.store.get(key)).toEqual({ v: 1, generation: 1, session: null })
  })
})
