// The dev provider is strict by default, as real servers are: a sign-in without offline_access gets no
// refresh token, and the app reaches reloginRequired at the access token's expiry, saying why, without
// sending anything to the token endpoint. (README, "Use it in your app", the troubleshooting row
// "no offline_access in scope".) With offline_access (the library's default scope) a refresh token comes.
import type { BrowserContext, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { counts, demoServer, settings, signIn, storedRecord, testIdText, useBrowser, waitForStatus } from './helpers.ts'

let context: BrowserContext
let page: Page
useBrowser((c, p) => ((context = c), (page = p)))

test('without offline_access: no refresh token, and at expiry reloginRequired with the reason, no token request', async () => {
  await demoServer(context, { scope: 'openid profile' })
  await settings({ accessTokenTtl: 4 })
  await signIn(page)
  const record = await storedRecord(page)
  expect(record?.session?.tokens.accessToken).toBeTypeOf('string')
  expect(record?.session?.tokens.refreshToken).toBeUndefined()

  await waitForStatus(page, 'reloginRequired', 20_000)
  const shown = await testIdText(page, 'error')
  expect(shown).toContain('LOGIN_REQUIRED')
  expect(shown).toContain('there is no refresh token (request the offline_access scope')
  expect(await page.evaluate(() => (window.tabauth.getSnapshot() as { error?: { reason?: string } }).error?.reason)).toBe('no_refresh_token')
  const c = await counts()
  expect(c.token.authorization_code).toEqual({ success: 1, error: 0 })
  expect(c.token.refresh_token).toEqual({ success: 0, error: 0 })
  await page.getByRole('button', { name: 'Sign in again' }).first().waitFor()
})

test('with offline_access and no prompt: a refresh token (the dev provider grants offline_access as most servers do)', async () => {
  await demoServer(context, { scope: 'openid profile offline_access' })
  await signIn(page)
  const record = await storedRecord(page)
  expect(record?.session?.tokens.refreshToken).toBeTypeOf('string')
  const c = await counts()
  expect(c.token.authorization_code).toEqual({ success: 1, error: 0 })
})
