// Issue 16: every way a refresh can end, whatever words the server uses. Three fake tabs share one
// store, lock and channel; after expiry each asks three times. A refusal is answered once and never
// sent again by any tab; only transient failures follow the shared schedule.
import { relogin } from '../../src/relogin'
import { describe, expect, it } from 'vitest'
import type { AuthError } from '../../src'
import { CLIENT_ID, ISSUER, oauthError, signIn, tabs } from './fakes'

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** Lets real async work finish (a redirect waits for PKCE's WebCrypto): on a loaded machine it can take longer than `settle`. */
async function until(condition: () => boolean, ms = 2000) {
  const deadline = Date.now() + ms
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
}

type Env = ReturnType<typeof tabs>
type Tab = ReturnType<Env['open']>
const KEY = `${ISSUER} ${CLIENT_ID}`

async function threeTabs(env: Env = tabs({ expiresIn: 300 })) {
  const all: Tab[] = [await signIn(env, env.open())]
  for (let i = 1; i < 3; i++) {
    const tab = env.open()
    await tab.client.start()
    all.push(tab)
  }
  return { env, all }
}

/** Each tab asks three times at once; every call's outcome (token or error). */
async function askAll(all: Tab[]) {
  const calls = all.flatMap((tab) => [1, 2, 3].map(() => tab.client.getAccessToken()))
  const settled = await Promise.allSettled(calls)
  await settle()
  return settled
}

const empty = (status: number) => () => new Response(null, { status })
const html = (status: number) => () => new Response('<html><body>Bad Request</body></html>', { status, headers: { 'content-type': 'text/html; charset=utf-8' } })
const body =
  (status: number, text: string, type = 'application/json') =>
  () =>
    new Response(text, { status, headers: { 'content-type': type } })

type Ending =
  | { status: 'reloginRequired'; reason: string; cause: Partial<Record<'code' | 'error' | 'contentType', string>> & { status: number } }
  | { status: 'error'; code: 'CONFIG'; error: string; httpStatus: number }

const refusals: Array<[string, () => Response, Ending]> = [
  ['400, empty body, no content type', empty(400), { status: 'reloginRequired', reason: 'server_refused_without_reason', cause: { code: 'REFUSED', status: 400 } }],
  [
    '400, an HTML page from a gateway',
    html(400),
    { status: 'reloginRequired', reason: 'server_refused_without_reason', cause: { code: 'REFUSED', status: 400, contentType: 'text/html; charset=utf-8' } },
  ],
  ['401, empty body', empty(401), { status: 'reloginRequired', reason: 'server_refused_without_reason', cause: { code: 'REFUSED', status: 401 } }],
  ['403, JSON without an OAuth error', body(403, '{"message":"Forbidden"}'), { status: 'reloginRequired', reason: 'server_refused_without_reason', cause: { code: 'REFUSED', status: 403 } }],
  ['404, plain text', body(404, 'Not Found', 'text/plain'), { status: 'reloginRequired', reason: 'server_refused_without_reason', cause: { code: 'REFUSED', status: 404 } }],
  [
    '400 invalid_grant',
    () => oauthError('invalid_grant'),
    { status: 'reloginRequired', reason: 'refresh_token_revoked_or_expired', cause: { code: 'INVALID_GRANT', status: 400, error: 'invalid_grant' } },
  ],
  [
    '400 invalid_request (an expired refresh token, some servers)',
    () => oauthError('invalid_request'),
    { status: 'reloginRequired', reason: 'server_refused', cause: { code: 'OAUTH_ERROR', status: 400, error: 'invalid_request' } },
  ],
  ['400 with an invented code', () => oauthError('token_expired'), { status: 'reloginRequired', reason: 'server_refused', cause: { code: 'OAUTH_ERROR', status: 400, error: 'token_expired' } }],
  ['200 that is not JSON', body(200, 'OK', 'text/plain'), { status: 'reloginRequired', reason: 'token_response_unusable', cause: { code: 'INVALID_RESPONSE', status: 200 } }],
  [
    '200 without expires_in',
    body(200, '{"access_token":"at-x","token_type":"Bearer","refresh_token":"rt-x"}'),
    { status: 'reloginRequired', reason: 'token_response_unusable', cause: { code: 'INVALID_RESPONSE', status: 200 } },
  ],
  ['400 unauthorized_client (the client was changed at the server)', () => oauthError('unauthorized_client'), { status: 'error', code: 'CONFIG', error: 'unauthorized_client', httpStatus: 400 }],
  ['401 invalid_client', () => oauthError('invalid_client', 401), { status: 'error', code: 'CONFIG', error: 'invalid_client', httpStatus: 401 }],
  [
    '401 with a WWW-Authenticate challenge and no body',
    () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="token", error="invalid_client"' } }),
    { status: 'error', code: 'CONFIG', error: 'invalid_client', httpStatus: 401 },
  ],
]

describe('a refusal is answered once and never sent again, by any tab', () => {
  it.each(refusals)('%s', async (_, answer, ending) => {
    const { env, all } = await threeTabs()
    const events: string[] = []
    all.forEach((tab) => tab.client.onEvent((event) => events.push(event.type)))
    env.clock.advance(301_000)
    env.server.failNext.push(answer)
    const results = await askAll(all)
    expect(env.server.requests.refresh_token).toBe(1)
    // Later calls, and a wake-up in every tab, send nothing either.
    all.forEach((tab) => tab.lifecycle.wake())
    await askAll(all)
    env.clock.advance(60_000)
    await askAll(all)
    expect(env.server.requests.refresh_token).toBe(1)
    // Every caller, in every tab, gets the ending's error: a CONFIG caller is never told to sign in again.
    const codes = results.map((result) => (result.status === 'rejected' ? (result.reason as AuthError).code : 'resolved'))
    expect(new Set(codes)).toEqual(new Set([ending.status === 'error' ? 'CONFIG' : 'LOGIN_REQUIRED']))
    // Every tab shows the ending and its reason (the shared record carries it); the tab that got the
    // answer also carries the answer itself: the HTTP status, the server's words, the content type.
    const [asked, ...others] = all
    const shown = (tab: (typeof all)[number]) => tab.client.getSnapshot() as { status: string; error: AuthError }
    if (ending.status === 'reloginRequired') {
      expect(shown(asked)).toMatchObject({ status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED', reason: ending.reason, status: ending.cause.status } })
      expect(shown(asked).error.cause).toMatchObject(ending.cause)
      for (const tab of others) expect(shown(tab)).toMatchObject({ status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED', reason: ending.reason } })
    } else {
      // Every tab shows the record's CONFIG error; the callers in the tab that asked got the server's answer.
      for (const tab of all) expect(shown(tab)).toMatchObject({ status: 'error', error: { code: 'CONFIG', reason: 'client_rejected' } })
      expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: 'CONFIG', error: ending.error, status: ending.httpStatus } })
    }
    for (const tab of all) expect(tab.navigation.assigned).toEqual([]) // relogin 'prompt': shown, never redirected
    expect(events.filter((type) => type === (ending.status === 'error' ? 'misconfigured' : 'reloginRequired'))).toHaveLength(3)
    expect(await env.store.get(KEY)).toMatchObject({ session: null, ended: 'reloginRequired' })
  })

  it('with relogin({ redirect: true }), a bare 400 sends exactly one tab to the server, once', async () => {
    const env = tabs({ expiresIn: 300 })
    const all: Tab[] = [await signIn(env, env.open({ relogin: relogin({ redirect: true }) }), { relogin: relogin({ redirect: true }) })]
    for (let i = 1; i < 3; i++) all.push(env.open({ relogin: relogin({ redirect: true }) }))
    await Promise.all(all.map((tab) => tab.client.start()))
    env.clock.advance(301_000)
    env.server.failNext.push(empty(400))
    await askAll(all)
    await until(() => all.some((tab) => tab.navigation.assigned.length > 0))
    await settle()
    expect(env.server.requests.refresh_token).toBe(1)
    expect(all.flatMap((tab) => tab.navigation.assigned)).toHaveLength(1)
  })

  it('unauthorized_client never redirects, even with relogin({ redirect: true }), and a reload still shows the configuration error', async () => {
    const env = tabs({ expiresIn: 300 })
    const tab = await signIn(env, env.open({ relogin: relogin({ redirect: true }) }), { relogin: relogin({ redirect: true }) })
    env.clock.advance(301_000)
    env.server.failNext.push(() => oauthError('unauthorized_client'))
    await expect(tab.client.getAccessToken()).rejects.toMatchObject({ code: 'CONFIG' })
    await settle()
    expect(tab.navigation.assigned).toEqual([])
    const reloaded = env.open({ relogin: relogin({ redirect: true }) })
    await reloaded.client.start()
    expect(reloaded.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'CONFIG', reason: 'client_rejected' } })
    await expect(reloaded.client.getAccessToken()).rejects.toMatchObject({ code: 'CONFIG' })
    expect(env.server.requests.refresh_token).toBe(1)
  })
})

describe('transient answers follow the shared schedule and keep the session', () => {
  it.each([
    ['408', empty(408)],
    ['429', empty(429)],
    ['500 HTML', html(500)],
    ['503', () => oauthError('temporarily_unavailable', 503)],
  ])('%s: one request for all tabs in the step, the session kept, then refreshed', async (_, answer) => {
    const { env, all } = await threeTabs()
    env.clock.advance(301_000)
    env.server.failNext.push(answer)
    const pending = all.flatMap((tab) => [1, 2, 3].map(() => tab.client.getAccessToken()))
    await settle()
    expect(env.server.requests.refresh_token).toBe(1)
    expect((await env.store.get(KEY)) as { session: unknown }).toMatchObject({ session: expect.any(Object), retry: { failures: 1 } })
    for (let t = 0; t < 5_000; t += 100) {
      env.clock.advance(100)
      await settle()
    }
    const tokens = await Promise.all(pending)
    expect(new Set(tokens).size).toBe(1)
    expect(env.server.requests.refresh_token).toBe(2)
  })
})

describe('a request that is over leaves nothing open', () => {
  it("a 503's body, which nobody reads, is cancelled (an open body keeps the request alive for the browser)", async () => {
    const { env, all } = await threeTabs()
    let cancelled = false
    const body = new ReadableStream({ pull: () => new Promise(() => {}), cancel: () => void (cancelled = true) })
    env.server.failNext.push(() => new Response(body, { status: 503 }))
    env.clock.advance(285_000)
    await expect(all[0].client.getAccessToken()).resolves.toMatch(/^at-/) // still valid: the caller keeps it
    await settle()
    expect(cancelled).toBe(true)
  })
})

/** fetch as browsers do it: an abort rejects the wait for the headers, and errors a body still being read. */
function abortable(inner: typeof fetch, bodyGate: { wait?: Promise<void> }): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const signal = init?.signal ?? undefined
    const aborted = new Promise<never>((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason), { once: true }))
    aborted.catch(() => {})
    const response = await Promise.race([inner(input, init), aborted])
    const text = await response.text()
    const gate = bodyGate.wait
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          await Promise.race([gate, aborted])
          controller.enqueue(new TextEncoder().encode(text))
          controller.close()
        } catch (error) {
          controller.error(error)
        }
      },
    })
    return new Response(stream, { status: response.status, headers: response.headers })
  }) as typeof fetch
}

describe('an answer that arrived is never thrown away', () => {
  async function frozenSetup() {
    const env = tabs({ expiresIn: 300 })
    const bodyGate: { wait?: Promise<void> } = {}
    env.server.fetch = abortable(env.server.fetch, bodyGate)
    const { all } = await threeTabs(env)
    return { env, all, bodyGate }
  }

  it('the lock holder frozen 30 s while the answer came: on resume it is read and stored, 1 request, every tab on the new token', async () => {
    const { env, all } = await frozenSetup()
    let answer!: () => void
    env.server.gate = new Promise((resolve) => (answer = resolve))
    env.clock.advance(301_000)
    const pending = all.map((tab) => tab.client.getAccessToken())
    await settle()
    expect(env.server.requests.refresh_token).toBe(1)
    env.clock.freeze(30_000) // frozen past the 10 s request timeout
    answer() // the server answered while the tab was frozen
    env.server.gate = undefined
    env.clock.advance(0) // on resume the overdue timeout runs first, before the answer's task
    await settle()
    const tokens = await Promise.all(pending)
    expect(new Set(tokens).size).toBe(1)
    expect(env.server.requests.refresh_token).toBe(1)
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokens[0], generation: 2 })
  })

  it('frozen between the headers and the body: the body is still read and stored', async () => {
    const { env, all, bodyGate } = await frozenSetup()
    let deliver!: () => void
    bodyGate.wait = new Promise((resolve) => (deliver = resolve))
    env.clock.advance(301_000)
    const pending = all.map((tab) => tab.client.getAccessToken())
    await settle() // the headers are in; the body is not
    env.clock.freeze(30_000)
    deliver()
    env.clock.advance(0)
    await settle()
    const tokens = await Promise.all(pending)
    expect(new Set(tokens).size).toBe(1)
    expect(env.server.requests.refresh_token).toBe(1)
  })

  it('a slow answer: headers after 9 s, the body 5 s later: the read has its own bound, so it is stored', async () => {
    const { env, all, bodyGate } = await frozenSetup()
    let answer!: () => void
    let deliver!: () => void
    env.server.gate = new Promise((resolve) => (answer = resolve))
    bodyGate.wait = new Promise((resolve) => (deliver = resolve))
    env.clock.advance(301_000)
    const pending = all.map((tab) => tab.client.getAccessToken())
    await settle()
    env.clock.advance(9_000)
    answer()
    env.server.gate = undefined
    await settle()
    env.clock.advance(5_000)
    deliver()
    await settle()
    expect(new Set(await Promise.all(pending)).size).toBe(1)
    expect(env.server.requests.refresh_token).toBe(1)
  })

  it('no answer within the timeout (not frozen): TIMEOUT, transient, the session kept', async () => {
    const { env, all } = await frozenSetup()
    env.server.gate = new Promise(() => {})
    env.clock.advance(285_000) // stale, not expired: the caller keeps the valid token
    const token = all[0].client.getAccessToken()
    await settle()
    env.clock.advance(10_000)
    await settle()
    await expect(token).resolves.toMatch(/^at-/)
    expect(await env.store.get(KEY)).toMatchObject({ session: expect.any(Object), retry: { failures: 1, error: { code: 'TIMEOUT' } } })
  })

  it('headers in, then a body that never comes: read for one more timeout, then the session ends (the refresh token may be spent)', async () => {
    const { env, all, bodyGate } = await frozenSetup()
    bodyGate.wait = new Promise(() => {})
    env.clock.advance(301_000)
    const pending = all[0].client.getAccessToken().catch((error: unknown) => error)
    await settle()
    env.clock.advance(10_000)
    await settle()
    expect(await pending).toMatchObject({ code: 'LOGIN_REQUIRED', reason: 'token_response_unusable', status: 200 })
    await askAll(all)
    expect(env.server.requests.refresh_token).toBe(1)
  })
})

describe('waiting tabs tell the truth', () => {
  it('while the lock holder waits for its answer past expiry, the other tabs show REFRESH_PENDING, never signedIn', async () => {
    const { env, all } = await threeTabs()
    all[2].lifecycle.visible = false
    all.forEach((tab) => tab.client.subscribe(() => {}))
    let answer!: () => void
    env.server.gate = new Promise((resolve) => (answer = resolve))
    env.clock.advance(285_000) // tab 0 (visible) refreshes ahead of expiry; tab 1 waits for the lock
    await settle()
    expect(env.server.requests.refresh_token).toBe(1)
    env.clock.advance(16_000) // expired, and past the moment any wait shows itself
    await settle()
    for (const tab of all)
      expect(tab.client.getSnapshot()).toMatchObject({ status: 'outage', user: { sub: 'alice' }, error: { code: 'REFRESH_PENDING', message: expect.stringContaining('a refresh is under way') } })
    answer()
    env.server.gate = undefined
    await settle()
    const token = await all[0].client.getAccessToken()
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: token })
    expect(env.server.requests.refresh_token).toBe(1)
  })
})

describe('logout', () => {
  it('a revocation the server refuses (401, empty body) is reported as refused, with the status', async () => {
    const env = tabs()
    const tab = await signIn(env, env.open())
    const inner = env.server.fetch
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => (String(input).endsWith('/revoke') ? new Response(null, { status: 401 }) : inner(input, init))) as typeof globalThis.fetch
    const page = env.open({ fetch })
    await page.client.start()
    const result = await page.client.logout({ localOnly: true })
    expect(result).toMatchObject({ revocation: 'refused', error: { code: 'REFUSED', status: 401 } })
    expect(tab.client.getSnapshot().status).not.toBe('signedIn')
  })
})
