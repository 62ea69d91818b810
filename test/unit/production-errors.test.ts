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

  it('keep them in development builds', async () => {
    const { module } = await core('development')
    const error = module.explainInvalidGrant(new module.AuthError('INVALID_GRANT', 'server said so'), facts)
    expect(error.message).toMatch(/^The refresh token was rejected \(invalid_grant\): possible causes: refresh_token_revoked_or_expired \(the refresh token was revoked/)
    expect(() => module.createAuthClient({ issuer: 'http://id.example.test', clientId: 'spa' })).toThrow(/must use https/)
    expect(new module.LoginRequiredError().message).toBe('Sign-in required: there is no session.')
  })
})
