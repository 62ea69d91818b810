import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { devMessagesEsbuildPlugin } from '../../scripts/lib/dev-messages.js'

const dir = mkdtempSync(join(tmpdir(), 'tabauth-prod-errors-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** src/core bundled as an app's bundler would, with the library build's message transform. */
async function core(nodeEnv: 'production' | 'development') {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'fixtures/errors-entry.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'process.env.NODE_ENV': JSON.stringify(nodeEnv) },
    plugins: [devMessagesEsbuildPlugin()],
  })
  const file = join(dir, `${nodeEnv}.mjs`)
  writeFileSync(file, result.outputFiles[0].contents)
  return { code: result.outputFiles[0].text, module: (await import(pathToFileURL(file).href)) as typeof import('./fixtures/errors-entry') }
}

const facts = { grant: 'refresh_token', crossTabLock: false } as const

describe('error messages in production builds', () => {
  it('drop the explanations but keep code, reason, reasons and a pointer to the README', async () => {
    const { code, module } = await core('production')
    expect(code).not.toContain('must use https')
    expect(code).not.toContain('an already rotated refresh token')
    const error = module.explainInvalidGrant(new module.AuthError('INVALID_GRANT', 'server said so'), facts)
    expect(error.code).toBe('INVALID_GRANT')
    expect(error.reason).toBe('refresh_token_revoked_or_expired')
    expect(error.reasons).toEqual(['refresh_token_revoked_or_expired', 'refresh_token_reused'])
    expect(error.message).toBe('INVALID_GRANT (refresh_token_revoked_or_expired, refresh_token_reused): see https://www.npmjs.com/package/tabauth#errors')
    expect(() => module.createAuthClient({ issuer: 'http://id.example.test', clientId: 'spa' })).toThrow(/^CONFIG: see https:\/\/www\.npmjs\.com\/package\/tabauth#errors$/)
    expect(new module.LoginRequiredError().message).toBe('LOGIN_REQUIRED: see https://www.npmjs.com/package/tabauth#errors')
  })

  it("name the server's OAuth error, the HTTP status and the host that failed (never a token, code or verifier)", async () => {
    const { module } = await core('production')
    expect(new module.AuthError('OAUTH_ERROR', '', { error: 'invalid_request', status: 400, url: 'https://id.example.test/token?x=secret' }).message).toBe(
      'OAUTH_ERROR invalid_request HTTP 400 at id.example.test: see https://www.npmjs.com/package/tabauth#errors',
    )
    // A sign-in that cannot reach the issuer (a mistyped port): DISCOVERY_FAILED, not retried, with the issuer's host.
    const client = module.createAuthClient({
      issuer: 'https://id.example.test:9001',
      clientId: 'spa',
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      store: module.memoryStore(),
      transactionStorage: { get: () => null, set: () => {}, remove: () => {} },
      navigation: { currentUrl: () => 'https://app.example.test/', assign: () => {}, replace: () => {} },
    })
    const error = await client.login().then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error).toMatchObject({ code: 'DISCOVERY_FAILED', message: 'DISCOVERY_FAILED at id.example.test:9001: see https://www.npmjs.com/package/tabauth#errors' })
    expect(module.isTransient(error)).toBe(false)
    expect(client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'DISCOVERY_FAILED' } })
  })

  describe("at the token, revocation and userinfo endpoints: the endpoint's host, not the issuer's", () => {
    let production: ReturnType<typeof core> | undefined
    const ISSUER = 'https://id.example.test'
    // On another host than the issuer, with a query of its own: only the host may reach a message.
    const metadata = {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: 'https://tokens.example.test/oauth/token?tenant=t-secret',
      revocation_endpoint: 'https://tokens.example.test/oauth/revoke?tenant=t-secret',
      userinfo_endpoint: 'https://tokens.example.test/oauth/userinfo?tenant=t-secret',
    }
    const at = (code: string) => `${code} at tokens.example.test: see https://www.npmjs.com/package/tabauth#errors`
    const json = (status: number, body: object) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
    const tokens = () => json(200, { access_token: 'AT-secret', token_type: 'Bearer', expires_in: 1, refresh_token: 'RT-secret' })

    /** A production client signed in by `exchange`, whose token and revocation endpoints then answer `answer`; `sent`: every code, verifier and token sent. */
    async function signIn(answer: () => Response | Promise<Response>, exchange: () => Response | Promise<Response> = tokens, config: { userinfo?: boolean; metadata?: object } = {}) {
      const { module } = await (production ??= core('production'))
      const sent: string[] = []
      let next = exchange
      const fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
        const body = new URLSearchParams(String(init?.body ?? ''))
        for (const name of ['code', 'code_verifier', 'refresh_token', 'token']) if (body.has(name)) sent.push(body.get(name)!)
        const respond = next
        next = answer
        return respond()
      }
      // Moved past the access token's lifetime once signed in, so that the next getAccessToken() refreshes.
      let later = 0
      const clock = { now: () => Date.now() + later, setTimeout: (fn: () => void, ms: number) => clearTimeout.bind(null, setTimeout(fn, ms)) }
      const transactions = new Map<string, string>()
      const assigned: string[] = []
      const open = (currentUrl: string) =>
        module.createAuthClient({
          issuer: ISSUER,
          clientId: 'spa',
          scope: 'api offline_access',
          metadata: { ...metadata, ...config.metadata },
          userinfo: config.userinfo ? module.userinfo() : undefined,
          fetch,
          retry: { attempts: 1 },
          clock,
          store,
          channel: { post: () => {}, subscribe: () => () => {} },
          transactionStorage: { get: (k) => transactions.get(k) ?? null, set: (k, v) => void transactions.set(k, v), remove: (k) => void transactions.delete(k) },
          navigation: { currentUrl: () => currentUrl, assign: (url) => void assigned.push(url), replace: () => {} },
        })
      const store = module.memoryStore()
      const first = open('https://app.example.test/')
      await first.login()
      first.dispose()
      const state = new URL(assigned[0]).searchParams.get('state')
      const client = open(`https://app.example.test/callback?code=CODE-secret&state=${state}`)
      await client.start()
      later = 60_000
      return { client, sent }
    }
    /** No message names a code, verifier or token, nor the endpoint's query. */
    const expectNoSecret = (message: string, sent: string[]) => {
      for (const value of [...sent, 'CODE-secret', 'AT-secret', 'RT-secret', 't-secret', '?']) expect(message).not.toContain(value)
    }

    it('a refused code exchange (INVALID_GRANT explained, CONFIG, INVALID_RESPONSE)', async () => {
      const refused = await signIn(tokens, () => json(400, { error: 'invalid_grant', error_description: 'code CODE-secret was used' }))
      const grant = refused.client.getSnapshot() as { error: Error }
      expect(grant.error.message).toBe(at('INVALID_GRANT (code_reused, code_expired) invalid_grant HTTP 400'))
      expectNoSecret(grant.error.message, refused.sent)
      expect(refused.sent).toEqual(['CODE-secret', expect.any(String)]) // the exchange did send the code and its verifier
      const rejected = await signIn(tokens, () => json(401, { error: 'invalid_client' }))
      expect((rejected.client.getSnapshot() as { error: Error }).error.message).toBe(at('CONFIG invalid_client HTTP 401'))
      const unusable = await signIn(tokens, () => json(200, { access_token: 'AT-secret', token_type: 'Bearer' }))
      expect((unusable.client.getSnapshot() as { error: Error }).error.message).toBe(at('INVALID_RESPONSE HTTP 200'))
      for (const { client } of [refused, rejected, unusable]) client.dispose()
    })

    it('a refused refresh: the LOGIN_REQUIRED it ends in and its cause; a 503 and an unreachable endpoint', async () => {
      const refused = await signIn(() => json(400, { error: 'invalid_grant' }))
      const ended = (await refused.client.getAccessToken().then(undefined, (e: unknown) => e)) as Error
      expect(ended.message).toBe(at('LOGIN_REQUIRED (refresh_token_revoked_or_expired, refresh_token_reused) invalid_grant HTTP 400'))
      expect((ended.cause as Error).message).toBe(at('INVALID_GRANT (refresh_token_revoked_or_expired, refresh_token_reused) invalid_grant HTTP 400'))
      expect(refused.sent).toContain('RT-secret')
      expectNoSecret(ended.message, refused.sent)
      const other = await signIn(() => json(400, { error: 'invalid_request' }))
      expect(await other.client.getAccessToken().then(undefined, (e: Error) => (e.cause as Error).message)).toBe(at('OAUTH_ERROR invalid_request HTTP 400'))
      const down = await signIn(() => new Response('', { status: 503 }))
      expect(await down.client.getAccessToken().then(undefined, (e: Error) => e.message)).toBe(at('SERVER_ERROR HTTP 503'))
      const offline = await signIn(() => Promise.reject(new TypeError('Failed to fetch')))
      expect(await offline.client.getAccessToken().then(undefined, (e: Error) => e.message)).toBe(at('NETWORK'))
      for (const { client } of [refused, other, down, offline]) client.dispose()
    })

    it('a revocation refused with 401 or failing with 503', async () => {
      const refused = await signIn(() => new Response('', { status: 401 }))
      const result = await refused.client.logout({ localOnly: true })
      expect(result).toMatchObject({ revocation: 'refused', error: { code: 'REFUSED', message: at('REFUSED HTTP 401') } })
      expectNoSecret(result.error!.message, refused.sent)
      const challenged = await signIn(() => json(401, { error: 'invalid_client' }))
      expect(await challenged.client.logout({ localOnly: true })).toMatchObject({ error: { message: at('CONFIG invalid_client HTTP 401') } })
      const down = await signIn(() => new Response('', { status: 503 }))
      expect(await down.client.logout({ localOnly: true })).toMatchObject({ revocation: 'failed', error: { message: at('SERVER_ERROR HTTP 503') } })
      for (const { client } of [refused, challenged, down]) client.dispose()
    })

    it("the userinfo endpoint's too; a relative one is named by no host", async () => {
      const down = await signIn(() => new Response('', { status: 503 }), tokens, { userinfo: true })
      expect((down.client.getSnapshot() as { error: Error }).error.message).toBe(at('SERVER_ERROR HTTP 503'))
      const relative = await signIn(() => Promise.reject(new TypeError('Failed to fetch')), tokens, { userinfo: true, metadata: { userinfo_endpoint: '/userinfo' } })
      expect(relative.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'NETWORK', message: 'NETWORK: see https://www.npmjs.com/package/tabauth#errors' } })
      for (const { client } of [down, relative]) client.dispose()
    })
  })

  it('keep them in development builds', async () => {
    const { module } = await core('development')
    const error = module.explainInvalidGrant(new module.AuthError('INVALID_GRANT', 'server said so'), facts)
    expect(error.message).toMatch(/^The refresh token was rejected \(invalid_grant\): possible causes: refresh_token_revoked_or_expired \(the refresh token was revoked/)
    expect(() => module.createAuthClient({ issuer: 'http://id.example.test', clientId: 'spa' })).toThrow(/must use https/)
    expect(new module.LoginRequiredError().message).toBe('Sign-in required: there is no session.')
  })
})
