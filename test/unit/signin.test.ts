import { describe, expect, it } from 'vitest'
import { AuthError, createAuthClient } from '../../src'
import { APP, CLIENT_ID, ISSUER, signIn, tabs } from './fakes'

describe('login', () => {
  it('redirects to the authorization endpoint with PKCE S256, state and nonce', async () => {
    const env = tabs()
    const tab = env.open({ scope: 'openid email', authorizationParams: { audience: 'api' } })
    await tab.client.start()
    expect(tab.client.getSnapshot()).toEqual({ status: 'signedOut' })

    await tab.client.login()
    const url = new URL(tab.navigation.assigned[0])
    expect(url.origin + url.pathname).toBe(`${ISSUER}/auth`)
    const params = Object.fromEntries(url.searchParams)
    expect(params).toMatchObject({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${APP}/callback`,
      scope: 'openid email',
      audience: 'api',
      code_challenge_method: 'S256',
    })
    expect(params.state).toMatch(/^[\w-]{20,}$/)
    expect(params.nonce).toMatch(/^[\w-]{20,}$/)
    expect(params.code_challenge).toMatch(/^[\w-]{43}$/)
    expect(tab.client.getSnapshot().status).toBe('redirecting')
    // The verifier stays in this tab's sessionStorage, never in the URL.
    const saved = [...tab.transactionStorage.data.values()].join()
    expect(saved).toContain(params.state)
    expect(url.href).not.toContain(JSON.parse(saved)[params.state].codeVerifier)
  })

  it('ends in error with DISCOVERY_FAILED when the issuer has no metadata', async () => {
    const env = tabs()
    const tab = env.open({ fetch: async () => new Response('nope', { status: 404 }) })
    await tab.client.start()
    await expect(tab.client.login()).rejects.toMatchObject({ code: 'DISCOVERY_FAILED' })
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'DISCOVERY_FAILED' } })
    expect(tab.navigation.assigned).toEqual([])
  })

  it('names the mismatch when the metadata belongs to another issuer', async () => {
    const env = tabs()
    env.server.metadata.issuer = 'https://other.example.test'
    const tab = env.open()
    await expect(tab.client.login()).rejects.toThrow('names the issuer "https://other.example.test", not "https://id.example.test/"')
  })

  it('accepts plain http only for loopback issuers', () => {
    expect(() => createAuthClient({ issuer: 'http://id.example.test', clientId: 'x' })).toThrowError(AuthError)
    expect(() => createAuthClient({ issuer: 'http://id.example.test', clientId: 'x' })).toThrow(/must use https/)
    for (const issuer of ['http://localhost:9000', 'http://127.0.0.1:9000', 'http://127.8.0.1', 'http://[::1]:9000', 'https://id.example.test']) {
      expect(() => createAuthClient({ issuer, clientId: 'x' })).not.toThrow()
    }
    expect(() => createAuthClient({ issuer: 'not a url', clientId: 'x' })).toThrow(/not an absolute URL/)
  })
})

describe('callback', () => {
  it('exchanges the code once, signs in, and returns to where login started with a clean URL', async () => {
    const env = tabs()
    const tab = env.open({ url: `${APP}/orders?page=2#top` })
    const done = await signIn(env, tab)
    expect(done.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice', name: 'Alice Example' }, generation: 1 })
    expect(done.navigation.url).toBe(`${APP}/orders?page=2#top`)
    expect(env.server.requests.authorization_code).toBe(1)
  })

  it('never exchanges twice: a second start, a reload and Back onto the callback URL make no request', async () => {
    const env = tabs()
    const tab = env.open()
    const done = await signIn(env, tab)
    await done.client.start() // StrictMode's second effect
    for (let i = 0; i < 2; i++) {
      // Reload or Back: a new page on the old callback URL, same sessionStorage.
      const again = env.open({ url: done.callback, transactionStorage: done.transactionStorage })
      await again.client.start()
      expect(again.client.getSnapshot()).toMatchObject({ status: 'signedIn' })
      expect(again.navigation.url).toBe(`${APP}/`)
    }
    expect(env.server.requests.authorization_code).toBe(1)
  })

  it('concurrent starts of two clients on one callback exchange once', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0])
    const a = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    const b = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await Promise.all([a.client.start(), b.client.start()])
    expect(env.server.requests.authorization_code).toBe(1)
    expect(a.client.getSnapshot().status).toBe('signedIn')
  })

  it('a replayed callback without a session is signedOut with TRANSACTION_MISSING', async () => {
    const env = tabs()
    const tab = env.open({ url: `${APP}/callback?code=abc&state=xyz&iss=${encodeURIComponent(ISSUER)}` })
    await tab.client.start()
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedOut', error: { code: 'TRANSACTION_MISSING' } })
    expect(tab.navigation.url).toBe(`${APP}/`)
    expect(env.server.requests.authorization_code).toBe(0)
  })

  it('a callback whose state matches no pending login is STATE_MISMATCH and keeps the pending login', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const forged = await env.server.authorize(tab.navigation.assigned[0], { state: 'forged-state' })
    const page = env.open({ url: forged, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ status: 'signedOut', error: { code: 'STATE_MISMATCH' } })
    expect(env.server.requests.authorization_code).toBe(0)
    expect(tab.transactionStorage.data.size).toBe(1)
  })

  it('rejects an authorization response from another issuer (RFC 9207 iss)', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0], { iss: 'https://evil.example.test' })
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'ISSUER_MISMATCH' } })
    expect(env.server.requests.authorization_code).toBe(0)
  })

  it.each(['invalid_scope', 'unauthorized_client', 'unsupported_response_type', 'invalid_request'])('%s at sign-in is a configuration error with a developer hint, never signedOut', async (error) => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0], { error })
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'CONFIG', error } })
    const state = page.client.getSnapshot()
    expect(state.status === 'error' && state.error.message).toMatch(/: (remove|allow|check) /)
    expect(env.server.requests.authorization_code).toBe(0)
  })

  it('access_denied ends signedOut with the reason and no request', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0], { error: 'access_denied' })
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ status: 'signedOut', error: { code: 'AUTHORIZATION_ERROR', error: 'access_denied' } })
    expect(page.navigation.url).toBe(`${APP}/`)
    expect(env.server.requests.authorization_code).toBe(0)
  })

  it('an expired transaction is TRANSACTION_EXPIRED', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0])
    env.clock.advance(11 * 60 * 1000)
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ error: { code: 'TRANSACTION_EXPIRED' } })
    expect(env.server.requests.authorization_code).toBe(0)
  })

  it('corrupt transaction storage is no pending login, not a crash', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0])
    for (const key of tab.transactionStorage.data.keys()) tab.transactionStorage.data.set(key, '{not json')
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ status: 'signedOut', error: { code: 'TRANSACTION_MISSING' } })
  })

  it('a reused code is INVALID_GRANT', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.login()
    const callback = await env.server.authorize(tab.navigation.assigned[0])
    env.server.failNext.push(() => new Response(JSON.stringify({ error: 'invalid_grant' }), { status: 400, headers: { 'content-type': 'application/json' } }))
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_GRANT', error: 'invalid_grant' } })
  })
})

describe('returnTo', () => {
  it.each([
    ['https://evil.example.test/x', '/'],
    ['//evil.example.test/x', '/'],
    ['/\\evil.example.test', '/'],
    ['javascript:alert(1)', '/'],
    ['relative/path', '/'],
    ['/settings?tab=2#a', '/settings?tab=2#a'],
  ])('login({ returnTo: %j }) returns to %j', async (returnTo, expected) => {
    const env = tabs()
    const tab = env.open()
    await tab.client.start()
    await tab.client.login({ returnTo })
    const callback = await env.server.authorize(tab.navigation.assigned[0])
    const page = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await page.client.start()
    expect(page.navigation.url).toBe(`${APP}${expected}`)
  })
})
