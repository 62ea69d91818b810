// Signing out ends the session at the provider too: the refresh token the app held is dead.
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, issuer, readRefreshToken, refreshGrant, settle, signIn, status, storedRecord, waitFor, useBrowser } from './helpers.ts'

let page: Page
useBrowser((_, p) => (page = p))

test('signing out returns to the app signed out, and the old refresh token gets invalid_grant at the provider', async () => {
  await signIn(page)
  await settle(page)
  const refreshToken = await readRefreshToken(page)

  const visited: string[] = []
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url())
  })
  await page.getByRole('button', { name: 'Sign out', exact: true }).click()
  // Through the provider's logout (it confirms by itself) and back to the app, signed out.
  await waitFor(
    async () => visited.some((url) => url.startsWith(issuer)) && new URL(page.url()).origin === appUrl && (await status(page)) === 'signedOut',
    (done) => done,
    {
      timeout: 20_000,
      message: "a round trip through the provider's logout back to the app, signed out",
      describe: () => `visited ${JSON.stringify(visited)}`,
    },
  )
  await settle(page)
  expect(await status(page)).toBe('signedOut')
  expect(new URL(page.url()).origin).toBe(appUrl)
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
  // No tokens are left in the browser.
  expect((await storedRecord(page))?.session ?? null).toBeNull()

  const grant = await refreshGrant(refreshToken)
  expect(grant.status).toBe(400)
  expect(grant.body.error).toBe('invalid_grant')

  const c = await counts()
  expect(c.logouts).toBe(1)
  // The library revoked the refresh token and then the access token itself (RFC 7009), before the provider's logout.
  expect(c.revocations).toBe(2)
  expect(c.token.refresh_token.success).toBe(0)
})

test("logout({ localOnly: true }) ends the grant by tabauth's own revocation: the refresh token gets invalid_grant, the access token 401 at userinfo", async () => {
  // The dev provider no longer revokes grants at end-session, and localOnly never goes there: only
  // the library's two revocation requests can have ended them.
  await signIn(page)
  await settle(page)
  const refreshToken = await readRefreshToken(page)
  const accessToken = (await storedRecord(page))!.session!.tokens.accessToken
  const before = await userinfo(accessToken)
  expect(before).toBe(200)
  const result = await page.evaluate(() => window.tabauth.logout({ localOnly: true }))
  expect(result).toEqual({ revocation: 'revoked', revoked: ['refresh_token', 'access_token'], endSession: 'local_only' })
  const grant = await refreshGrant(refreshToken)
  expect(grant).toMatchObject({ status: 400, body: { error: 'invalid_grant' } })
  expect(await userinfo(accessToken)).toBe(401)
  expect((await counts()).logouts).toBe(0)
})

/** The status of the provider's userinfo endpoint for `accessToken` (a resource the token opens). */
async function userinfo(accessToken: string): Promise<number> {
  return (await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status
}
