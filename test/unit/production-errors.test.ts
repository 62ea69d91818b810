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

  it('keep them in development builds', async () => {
    const { module } = await core('development')
    const error = module.explainInvalidGrant(new module.AuthError('INVALID_GRANT', 'server said so'), facts)
    expect(error.message).toMatch(/^The refresh token was rejected \(invalid_grant\): possible causes: refresh_token_revoked_or_expired \(the refresh token was revoked/)
    expect(() => module.createAuthClient({ issuer: 'http://id.example.test', clientId: 'spa' })).toThrow(/must use https/)
    expect(new module.LoginRequiredError().message).toBe('Sign-in required: there is no session.')
  })
})
