// The client-side rules of RFC 9700 and the browser-apps draft, one test (or table) per rule.
// Each was checked by breaking the rule in the code once and watching the test fail.
import { userinfo } from '../../src/userinfo'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthEvent } from '../../src'
import { dpop, memoryDPoPStore } from '../../src/dpop'
import { safeReturnTo } from '../../src/core/url'
import { APP, channelHub, CLIENT_ID, ISSUER, oauthError, signIn, tabs } from './fakes'

type Env = ReturnType<typeof tabs>

/** Starts a login in a fresh tab and returns the callback URL the server sends the browser to. */
async function authorize(env: Env, redirect: Parameters<Env['server']['authorize']>[1] = {}, overrides = {}) {
  const tab = env.open(overrides)
  await tab.client.start()
  await tab.client.login()
  const callback = await env.server.authorize(tab.navigation.assigned.at(-1)!, redirect)
  return { tab, callback }
}

/** The browser loads `callback` in the tab that started the login. */
async function land(env: Env, from: Awaited<ReturnType<typeof authorize>>, overrides = {}) {
  const page = env.open({ url: from.callback, transactionStorage: from.tab.transactionStorage, ...overrides })
  await page.client.start()
  return page
}

function pending(tab: { transactionStorage: { data: Map<string, string> } }): Record<string, { codeVerifier: string; createdAt: number }> {
  return Object.assign({}, ...[...tab.transactionStorage.data.values()].map((v) => JSON.parse(v)))
}

describe('PKCE', () => {
  it('sends S256 of the stored verifier, and the verifier only to the token endpoint', async () => {
    const env = tabs()
    const bodies: string[] = []
    const fetch: typeof globalThis.fetch = (input, init) => (bodies.push(String(init?.body ?? '')), env.server.fetch(input, init))
    const { tab, callback } = await authorize(env, {}, { fetch })
    const url = new URL(tab.navigation.assigned[0])
    const [{ codeVerifier }] = Object.values(pending(tab))
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier))).toString('base64url')
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('code_challenge')).toBe(digest)
    expect(url.href).not.toContain(codeVerifier)
    await land(env, { tab, callback }, { fetch })
    expect(bodies.find((b) => b.includes('grant_type=authorization_code'))).toContain(`code_verifier=${codeVerifier}`)
  })
})

describe('state', () => {
  it('is random: two logins never share a state, nonce or verifier', async () => {
    const env = tabs()
    const a = await authorize(env)
    const b = await authorize(env)
    const params = [a, b].map(({ tab }) => new URL(tab.navigation.assigned[0]).searchParams)
    expect(params[0].get('state')).toMatch(/^[\w-]{43}$/)
    expect(params[0].get('state')).not.toBe(params[1].get('state'))
    expect(params[0].get('nonce')).not.toBe(params[1].get('nonce'))
    expect(Object.values(pending(a.tab))[0].codeVerifier).not.toBe(Object.values(pending(b.tab))[0].codeVerifier)
  })

  it('is one-shot: the transaction is gone after use, a second landing makes no request', async () => {
    const env = tabs()
    const started = await authorize(env)
    const first = await land(env, started)
    expect(first.client.getSnapshot().status).toBe('signedIn')
    expect(started.tab.transactionStorage.data.size).toBe(0)
    await land(env, started) // reload, Back
    expect(env.server.requests.authorization_code).toBe(1)
  })

  it('is bound to its transaction: the state of another pending login exchanges nothing for this one', async () => {
    const env = tabs()
    const a = await authorize(env)
    const other = await authorize(env, {}, { transactionStorage: a.tab.transactionStorage })
    // The server answers login B with login A's state: the code is B's, the verifier would be A's.
    const stateA = new URL(a.tab.navigation.assigned[0]).searchParams.get('state')!
    const crossed = new URL(other.callback)
    crossed.searchParams.set('state', stateA)
    const page = await land(env, { tab: a.tab, callback: crossed.href })
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_GRANT' } })
    expect(env.server.secrets.every((secret) => secret.startsWith('code-'))).toBe(true) // no token was issued
  })

  it('is bound to issuer and client: a client with another clientId or issuer finds no transaction, and the login stays pending', async () => {
    for (const overrides of [{ clientId: 'another-client' }, { issuer: 'https://other-id.example.test' }]) {
      const env = tabs()
      const started = await authorize(env)
      const page = await land(env, started, overrides)
      expect(page.client.getSnapshot()).toMatchObject({ status: 'signedOut', error: { code: 'TRANSACTION_MISSING' } })
      expect(env.server.requests.authorization_code).toBe(0)
      expect(Object.keys(pending(started.tab))).toHaveLength(1)
    }
  })
})

describe('nonce', () => {
  it('an ID token with another nonce is INVALID_RESPONSE and nothing is stored', async () => {
    const env = tabs()
    const started = await authorize(env)
    env.server.tamperNext.push((_, claims) => void (claims.nonce = 'someone-elses-nonce'))
    const page = await land(env, started)
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_RESPONSE' } })
    expect(await env.store.get(`${ISSUER} ${CLIENT_ID}`)).toBeUndefined()
  })
})

describe('max_age (OIDC Core 3.1.3.7)', () => {
  it.each([
    ['an auth_time older than max_age', (now: number) => now - 120, 'INVALID_RESPONSE'],
    ['no auth_time at all', () => undefined, 'INVALID_RESPONSE'],
    ['a recent auth_time', (now: number) => now - 10, null],
  ])('asked for max_age=60, %s: %s', async (_, authTime, refused) => {
    const env = tabs()
    const from = await authorize(env, {}, { authorizationParams: { max_age: '60' } })
    expect(from.tab.navigation.assigned.at(-1)).toContain('max_age=60')
    env.server.tamperNext.push((_, claims) => {
      const at = authTime(Math.floor(env.clock.now() / 1000))
      if (at === undefined) delete claims.auth_time
      else claims.auth_time = at
    })
    const page = await land(env, from, { authorizationParams: { max_age: '60' } })
    if (refused) expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: refused } })
    else expect(page.client.getSnapshot().status).toBe('signedIn')
  })

  it('without max_age, auth_time is not required', async () => {
    const env = tabs()
    const from = await authorize(env)
    env.server.tamperNext.push((_, claims) => void (claims.auth_time = Math.floor(env.clock.now() / 1000) - 86_400))
    expect((await land(env, from)).client.getSnapshot().status).toBe('signedIn')
  })
})

describe('RFC 9207 iss', () => {
  it('a wrong iss is ISSUER_MISMATCH even when the server does not advertise authorization_response_iss_parameter_supported', async () => {
    const env = tabs()
    delete (env.server.metadata as Partial<typeof env.server.metadata>).authorization_response_iss_parameter_supported
    const page = await land(env, await authorize(env, { iss: 'https://evil.example.test' }))
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'ISSUER_MISMATCH' } })
    expect(env.server.requests.authorization_code).toBe(0)
  })

  it('a missing iss is refused when the server advertises it', async () => {
    const env = tabs()
    const started = await authorize(env)
    const callback = new URL(started.callback)
    callback.searchParams.delete('iss')
    const page = await land(env, { ...started, callback: callback.href })
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_RESPONSE' } })
    expect(env.server.requests.authorization_code).toBe(0)
  })
})

describe('transaction lifetime', () => {
  it('lives 10 minutes: at 9:59 it signs in, at 10:01 it is TRANSACTION_EXPIRED and removed', async () => {
    for (const [ageMs, status] of [
      [599_000, 'signedIn'],
      [601_000, 'signedOut'],
    ] as const) {
      const env = tabs()
      const started = await authorize(env)
      env.clock.advance(ageMs)
      const page = await land(env, started)
      expect(page.client.getSnapshot().status).toBe(status)
      if (status === 'signedOut') expect(page.client.getSnapshot()).toMatchObject({ error: { code: 'TRANSACTION_EXPIRED' } })
      expect(started.tab.transactionStorage.data.size).toBe(0)
    }
  })

  it('is removed when the exchange fails', async () => {
    const env = tabs()
    const started = await authorize(env)
    env.server.failNext.push(() => oauthError('invalid_grant'))
    const page = await land(env, started)
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_GRANT' } })
    expect(started.tab.transactionStorage.data.size).toBe(0)
  })
})

describe('returnTo: same-origin paths only', () => {
  it.each([
    ['//evil.example', '/'],
    ['https://evil.example/x', '/'],
    ['https:evil.example', '/'],
    ['http://app.example.test.evil.example/', '/'],
    ['javascript:alert(1)', '/'],
    ['JaVaScRiPt:alert(1)', '/'],
    ['data:text/html,<script>alert(1)</script>', '/'],
    ['/\\evil.example', '/'],
    ['\\/evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['/%2F%2Fevil.example', '/'],
    ['/%2f/evil.example', '/'],
    ['/%5Cevil.example', '/'],
    ['/%09/evil.example', '/'],
    ['/%0a/evil.example', '/'],
    ['/%0D/evil.example', '/'],
    ['/%09%2F%0a%5Cevil.example', '/'],
    ['/files/my%20notes', '/files/my%20notes'],
    ['/%E0%A4%A', '/'],
    [' /x', '/'],
    ['relative/path', '/'],
    ['', '/'],
    [42, '/'],
    ['/settings?tab=2#a', '/settings?tab=2#a'],
    ['/a/../b', '/b'],
    ['/search?q=%2F%2Fx', '/search?q=%2F%2Fx'],
  ])('%j → %j', (value, expected) => {
    expect(safeReturnTo(value, APP)).toBe(expected)
  })

  it('login({ returnTo: "//evil.example" }) lands on / of the app', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login({ returnTo: '//evil.example/x' })
    const page = await land(env, { tab, callback: await env.server.authorize(tab.navigation.assigned[0]) })
    expect(page.navigation.url).toBe(`${APP}/`)
  })
})

describe('the access token goes only to the resource servers the app names', () => {
  /** A signed-in tab whose fetch answers any resource request 401 invalid_token, and records what was sent. */
  async function tabWith(resourceServers?: string[]) {
    const env = tabs()
    await signIn(env, env.open())
    const sent: Request[] = []
    const tab = env.open({
      ...(resourceServers ? { resourceServers } : {}),
      fetch: (input, init) => {
        if (!(input instanceof Request)) return env.server.fetch(input, init)
        sent.push(input)
        return Promise.resolve(new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }))
      },
    })
    await tab.client.start()
    return { env, tab, sent }
  }

  it.each([
    ['https://api.other.example/data', 'another origin'],
    ['http://app.example.test/data', 'the app over plain http'],
    ['https://app.example.test.evil.example/data', 'a look-alike host'],
  ])('by default only the app origin: %s (%s) is CONFIG, nothing is sent, no refresh', async (url) => {
    const { env, tab, sent } = await tabWith()
    await expect(tab.client.fetch(url)).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('resourceServers') })
    expect(sent).toEqual([])
    expect(env.server.requests.refresh_token ?? 0).toBe(0)
  })

  it('the app origin is one by default; a named origin and a path prefix (whole segments) are others', async () => {
    const { tab, sent } = await tabWith([APP, 'https://api.example.test/v2'])
    await tab.client.fetch(`${APP}/notes`)
    await tab.client.fetch('https://api.example.test/v2/orders')
    await tab.client.fetch('https://api.example.test/v2')
    for (const url of ['https://api.example.test/v20/orders', 'https://api.example.test/v1/orders', 'https://api.example.test/'])
      await expect(tab.client.fetch(url), url).rejects.toMatchObject({ code: 'CONFIG' })
    expect(sent.map((r) => r.url)).toEqual([
      `${APP}/notes`,
      `${APP}/notes`,
      'https://api.example.test/v2/orders',
      'https://api.example.test/v2/orders',
      'https://api.example.test/v2',
      'https://api.example.test/v2',
    ])
    expect(sent.every((r) => r.headers.get('authorization')?.startsWith('Bearer '))).toBe(true)
  })

  it('plain http only on loopback, even when named', async () => {
    const { tab, sent } = await tabWith(['http://127.0.0.1:8080', 'http://api.example.test'])
    await tab.client.fetch('http://127.0.0.1:8080/x')
    await expect(tab.client.fetch('http://api.example.test/x')).rejects.toMatchObject({ code: 'CONFIG' })
    expect(sent.map((r) => r.url)).toEqual(['http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'])
  })

  it('a resourceServers entry that is not an absolute URL is a CONFIG error at creation', () => {
    expect(() => createAuthClient({ issuer: ISSUER, clientId: CLIENT_ID, resourceServers: ['api.example.test'] })).toThrow(expect.objectContaining({ code: 'CONFIG' }))
  })
})

describe('plain http', () => {
  it.each(['http://id.example.test', 'http://localhost.evil.example', 'http://127.0.0.1.evil.example', 'http://[::2]', 'http://0.0.0.0', 'ftp://127.0.0.1'])('refuses issuer %s', (issuer) => {
    expect(() => createAuthClient({ issuer, clientId: 'x' })).toThrowError(expect.objectContaining({ code: 'CONFIG' }))
  })
})

describe('requests to the authorization server', () => {
  it('carry no cookies and no referrer', async () => {
    const env = tabs()
    const inits: RequestInit[] = []
    const fetch: typeof globalThis.fetch = (input, init) => (inits.push(init ?? {}), env.server.fetch(input, init))
    const done = await signIn(env, env.open({ fetch }), { fetch })
    env.clock.advance(300_000)
    await done.client.getAccessToken()
    await done.client.logout({ localOnly: true })
    expect(inits.length).toBeGreaterThanOrEqual(4) // discovery, code, refresh, revocation
    for (const init of inits) expect(init).toMatchObject({ credentials: 'omit', referrerPolicy: 'no-referrer' })
  })

  it("the userinfo request too (userinfo: userinfo() from 'tabauth/userinfo')", async () => {
    const env = tabs()
    env.server.idTokens = false
    const inits: Array<{ url: string; init: RequestInit }> = []
    const fetch: typeof globalThis.fetch = (input, init) => (inits.push({ url: String(input), init: init ?? {} }), env.server.fetch(input, init))
    const config = { fetch, scope: 'api offline_access', userinfo: userinfo() }
    await signIn(env, env.open(config), config)
    const requests = inits.filter(({ url }) => url.endsWith('/userinfo'))
    expect(requests).toHaveLength(1)
    expect(requests[0].init).toMatchObject({ credentials: 'omit', referrerPolicy: 'no-referrer' })
  })
})

describe('nothing sensitive in logs, errors or events', () => {
  afterEach(() => vi.restoreAllMocks())

  it('no code, verifier or token in any console output, error, cause chain or event', async () => {
    const printed: string[] = []
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map((a) => inspect(a, { depth: 10 })).join(' ')))
    }
    const env = tabs()
    const seen: unknown[] = []
    const watch = (client: { onEvent(l: (e: AuthEvent) => void): unknown; getSnapshot(): unknown }) => {
      client.onEvent((event) => seen.push(event))
      return client
    }
    const verifiers: string[] = []
    const debug = { debug: true }
    async function callbackFailing(tamper: Env['server']['tamperNext'][number] | null, redirect = {}) {
      const started = await authorize(env, redirect, debug)
      verifiers.push(...Object.values(pending(started.tab)).map((tx) => tx.codeVerifier))
      if (tamper) env.server.tamperNext.push(tamper)
      const page = await land(env, started, debug)
      seen.push(watch(page.client).getSnapshot())
      return page
    }
    // A token response with a bad token_type, another nonce, another audience; a crossed state; a wrong iss.
    await callbackFailing((body) => void (body.token_type = 'mac'))
    await callbackFailing((_, claims) => void (claims.nonce = 'other'))
    await callbackFailing((_, claims) => void (claims.aud = 'other-client'))
    await callbackFailing(null, { iss: 'https://evil.example.test' })
    const crossed = await authorize(env, {}, debug)
    const wrongState = new URL(crossed.callback)
    wrongState.searchParams.set('state', 'x'.repeat(43))
    seen.push((await land(env, { ...crossed, callback: wrongState.href }, debug)).client.getSnapshot())
    // A rejected code, then a session whose refreshes fail: transient, a bad response, then invalid_grant.
    env.server.failNext.push(() => oauthError('invalid_grant'))
    await callbackFailing(null)
    const session = await signIn(env, env.open(debug), debug)
    watch(session.client)
    env.clock.advance(280_000) // stale but unexpired: the caller keeps its token while the retry waits
    env.server.failNext.push(() => new Response('busy', { status: 503 }))
    seen.push(
      await session.client.getAccessToken().then(
        () => 'token',
        (e) => e,
      ),
    ) // the token itself is the caller's, not a leak
    env.clock.advance(60_000)
    env.server.tamperNext.push((body) => void (body.expires_in = -1))
    seen.push(
      await session.client.getAccessToken().then(
        () => 'token',
        (e) => e,
      ),
    ) // the token itself is the caller's, not a leak
    env.server.revokeAll()
    env.clock.advance(60_000)
    seen.push(
      await session.client.getAccessToken().then(
        () => 'token',
        (e) => e,
      ),
    ) // the token itself is the caller's, not a leak
    seen.push(session.client.getSnapshot())

    const text = [...printed, ...seen.map((value) => inspect(value, { depth: 20, showHidden: true }))].join('\n')
    const secrets = [...env.server.secrets, ...verifiers]
    expect(secrets.length).toBeGreaterThan(10)
    // The scan can see what it looks for: every failure above left its mark.
    for (const code of ['ISSUER_MISMATCH', 'STATE_MISMATCH', 'INVALID_RESPONSE', 'SERVER_ERROR', 'LOGIN_REQUIRED']) expect(text).toContain(code)
    for (const secret of secrets) expect(text).not.toContain(secret)
  })
})

describe('a token response is checked before anything is stored', () => {
  type Tamper = Env['server']['tamperNext'][number]
  const bad: Array<[string, Tamper]> = [
    ['token_type "mac"', (body) => void (body.token_type = 'mac')],
    ['token_type "DPoP" without dpop', (body) => void (body.token_type = 'DPoP')],
    ['no expires_in', (body) => void delete body.expires_in],
    ['a negative expires_in', (body) => void (body.expires_in = -60)],
    ['expires_in 0', (body) => void (body.expires_in = 0)],
    ['an ID token for another audience', (_, claims) => void (claims.aud = 'another-client')],
  ]

  it.each(bad)('sign-in with %s: INVALID_RESPONSE, nothing stored, the session in the store untouched', async (_, tamper) => {
    const env = tabs()
    const first = await signIn(env, env.open())
    const before = await env.store.get(`${ISSUER} ${CLIENT_ID}`)
    const started = await authorize(env)
    env.server.tamperNext.push(tamper)
    const page = await land(env, started)
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_RESPONSE' } })
    expect(await env.store.get(`${ISSUER} ${CLIENT_ID}`)).toEqual(before)
    expect(first.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 1 })
  })

  // A refresh may not switch users either (OIDC Core 12.2).
  // The server rotated when it answered, so the refresh token sent is spent: the session ends rather than send it again (a reuse).
  it.each([...bad, ['an ID token for another user', (_, claims) => void (claims.sub = 'mallory')] as [string, Tamper]])(
    'refresh with %s: nothing from it stored, the session ended, the refresh token never sent again',
    async (_, tamper) => {
      const env = tabs()
      const tab = await signIn(env, env.open())
      env.clock.advance(300_000)
      env.server.tamperNext.push(tamper)
      await expect(tab.client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED', reason: 'token_response_unusable', cause: { code: 'INVALID_RESPONSE' } })
      expect(await env.store.get(`${ISSUER} ${CLIENT_ID}`)).toMatchObject({ generation: 2, session: null, ended: 'reloginRequired', reasons: ['token_response_unusable'] })
      await expect(tab.client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED' })
      expect(env.server.requests.refresh_token).toBe(1)
      expect(tab.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { reason: 'token_response_unusable' } })
    },
  )
})

describe('DPoP token type', () => {
  it('`userinfo: true` (the option before it had its own entry) is a CONFIG error, never no user in silence', () => {
    expect(() => createAuthClient({ issuer: ISSUER, clientId: CLIENT_ID, userinfo: true as never })).toThrow(expect.objectContaining({ code: 'CONFIG' }))
  })

  it('`dpop: true` (the option before DPoP had its own entry) is a CONFIG error, never DPoP off in silence', () => {
    expect(() => createAuthClient({ issuer: ISSUER, clientId: CLIENT_ID, dpop: true as never })).toThrow(
      expect.objectContaining({ code: 'CONFIG', message: expect.stringContaining("'tabauth/dpop'") }),
    )
  })

  it('with dpop on, a Bearer answer (tokens not bound to the key) is INVALID_RESPONSE and nothing is stored; a DPoP answer signs in', async () => {
    for (const [tokenType, status] of [
      ['Bearer', 'error'],
      ['DPoP', 'signedIn'],
    ] as const) {
      const env = tabs()
      const proofs: Array<string | null> = []
      const fetch: typeof globalThis.fetch = (input, init) => (proofs.push(new Headers(init?.headers).get('dpop')), env.server.fetch(input, init))
      const config = { dpop: dpop({ store: memoryDPoPStore() }), fetch }
      const started = await authorize(env, {}, config)
      env.server.tamperNext.push((body) => void (body.token_type = tokenType))
      const page = await land(env, started, config)
      expect(page.client.getSnapshot().status).toBe(status)
      expect(proofs.at(-1)).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/) // the code exchange carried a proof
      if (status === 'error') expect(await env.store.get(`${ISSUER} ${CLIENT_ID}`)).toBeUndefined()
    }
  })
})

describe('memory-only DPoP keys', () => {
  /** The `jwk` of a DPoP proof's header: which key signed it. */
  const signer = (proof: string | null) => JSON.stringify(JSON.parse(Buffer.from(proof!.split('.')[0], 'base64url').toString()).jwk)

  it('another tab gets the key of the tab that signed in over the channel and refreshes with it', async () => {
    const env = tabs()
    const hub = channelHub()
    const proofs: Array<string | null> = []
    const fetch: typeof globalThis.fetch = (input, init) => (proofs.push(new Headers(init?.headers).get('dpop')), env.server.fetch(input, init))
    const tabConfig = () => ({ dpop: dpop({ store: memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 }) }), fetch })
    env.server.tamperNext.push((body) => void (body.token_type = 'DPoP'))
    // The callback page is a new page: a new memory, no key until it makes one.
    const signedIn = await signIn(env, env.open(tabConfig()), tabConfig())
    expect(signedIn.client.getSnapshot().status).toBe('signedIn')
    const other = env.open(tabConfig())
    await other.client.start()
    env.clock.advance(300_000)
    env.server.tamperNext.push((body) => void (body.token_type = 'DPoP'))
    await other.client.getAccessToken()
    const signers = proofs.filter(Boolean).map(signer)
    expect(signers.length).toBe(2) // the code exchange in the first tab, the refresh in the other
    expect(new Set(signers).size).toBe(1)
  })

  it('a tab that no other tab answers makes its own key', async () => {
    const hub = channelHub()
    const alone = memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 })
    const keys = await alone.keyPair()
    expect(keys.privateKey.extractable).toBe(false)
    expect(await alone.keyPair()).toBe(keys)
  })
})
