// The README's troubleshooting rows ("Use it in your app", step 6) that need the token endpoint, provoked
// against the dev provider in Chromium: each row's mistake is made for real (a request rewritten on its way
// to the server, as a proxy or a second library would; a code held past its lifetime; a client without
// its web origin; a refresh token rotated by another client), and the test checks what the row says the
// app shows: the status, the error code, the reason, the message, and that nothing was sent again.
// The dev provider says why it refused a grant (oidc-provider's own reason, as Keycloak and Entra ID do),
// and the demo passes it to `serverTexts`: the reason comes from the server's words and the client's facts.
import type { BrowserContext, Page, Route } from 'playwright-core'
import { expect, test } from 'vitest'
import {
  appUrl,
  counts,
  demoServer,
  expireAtServer,
  issuer,
  newTab,
  readRefreshToken,
  refreshGrant,
  settings,
  settle,
  signIn,
  snapshot,
  storedRecord,
  testIdText,
  useBrowser,
  waitForStatus,
} from './helpers.ts'

let context: BrowserContext
let page: Page
useBrowser((c, p) => ((context = c), (page = p)))

/**
 * Signs in with the code exchange passed through `change` on its way to the token endpoint (the form
 * body, as a proxy or a second library would rewrite it, or held for a while), and waits for the app's
 * status `error`.
 */
async function signInThrough(change: (body: URLSearchParams) => Promise<void> | void): Promise<void> {
  const isToken = (url: URL) => url.origin === new URL(issuer).origin && url.pathname === '/token'
  await page.route(isToken, async (route: Route) => {
    const body = new URLSearchParams(route.request().postData() ?? '')
    if (route.request().method() !== 'POST' || body.get('grant_type') !== 'authorization_code') return route.continue()
    await change(body)
    await route.continue({ postData: body.toString() })
  })
  await signIn(page, '/', 'error')
}

/** What every failed code exchange of the table looks like: the alert with the message, "Sign in", one request. */
async function expectRefusedOnce(reason: string, hint: RegExp): Promise<void> {
  expect(await snapshot(page)).toMatchObject({ status: 'error', code: 'INVALID_GRANT', error: 'invalid_grant', reason })
  const text = await testIdText(page, 'error')
  expect(text).toMatch(/^INVALID_GRANT /)
  expect(text).toMatch(hint)
  await page.getByRole('button', { name: 'Sign in', exact: true }).first().waitFor()
  expect(new URL(page.url()).search).not.toMatch(/code=|state=/)
  await settle(page)
  const c = await counts()
  expect(c.token.authorization_code).toEqual({ success: 0, error: 1 })
  expect(c.authorizations).toBe(1)
}

test('a code expired (the exchange held past the code lifetime): INVALID_GRANT, reason code_expired, not sent again', async () => {
  // The server's code lifetime, and the app told it (codeLifetimeSeconds): 1 s. oidc-provider says "authorization
  // code not found" of an expired code as of a spent one, so the client's clock (the code is older than its
  // lifetime) puts code_expired first.
  await settings({ codeTtl: 1 })
  await demoServer(context, { codeLifetimeSeconds: 1 })
  await signInThrough(() => new Promise((resolve) => setTimeout(resolve, 2_500)))
  await expectRefusedOnce('code_expired', /authorization code not found.*possible causes: code_expired \(the code was exchanged after the server's code lifetime/)
})

test('redirect_uri rewritten between the app and the token endpoint: INVALID_GRANT, reason redirect_uri_mismatch', async () => {
  await signInThrough((body) => body.set('redirect_uri', `${appUrl}/elsewhere`))
  await expectRefusedOnce('redirect_uri_mismatch', /redirect_uri mismatch.*differs from the one used at authorization/)
})

test('code_verifier rewritten (PKCE mismatch): INVALID_GRANT, reason pkce_mismatch', async () => {
  await signInThrough((body) => body.set('code_verifier', 'x'.repeat(43)))
  await expectRefusedOnce('pkce_mismatch', /code_verifier does not match code_challenge.*PKCE/)
})

test("a code exchanged as another client (client_id rewritten to the dev provider's other client): INVALID_GRANT, reason client_mismatch", async () => {
  await signInThrough((body) => body.set('client_id', 'tabauth-example-dpop'))
  await expectRefusedOnce('client_mismatch', /client mismatch.*issued to another client_id/)
})

test("the app's origin not allowed (CORS) while its redirect URI is registered: NETWORK on the code exchange, whose answer the browser hid", async () => {
  await settings({ cors: false })
  await signIn(page, '/', 'error')
  const state = await snapshot(page)
  expect(state).toMatchObject({ status: 'error', code: 'NETWORK' })
  expect(await testIdText(page, 'error')).toMatch(/^NETWORK\s+Could not reach the authorization server at \S+\/token \(Failed to fetch\): .*does not allow this app's origin \(CORS/)
  await page.getByRole('button', { name: 'Sign in', exact: true }).first().waitFor()
  // The server refused the request from an origin the client does not allow (invalid_request), the browser hid
  // that answer from the app (no Access-Control-Allow-Origin), and nothing was sent again.
  const c = await counts()
  expect(c.token.authorization_code).toEqual({ success: 0, error: 1 })
  expect(c.errors).toMatchObject([{ grant_type: 'authorization_code', error: 'invalid_request' }])
})

test('a refresh token rotated by another client first (a second library, an old copy): reloginRequired in every tab, reason refresh_token_reused', async () => {
  await signIn(page)
  const second = await newTab(context)
  await second.goto(appUrl)
  await waitForStatus(second, 'signedIn')
  const record = await storedRecord(page)
  // Another client of the same grant refreshes with the app's refresh token first: the app's copy is now a rotated one.
  expect((await refreshGrant(await readRefreshToken(page))).status).toBe(200)
  // The app finds its access token dead at the resource server and refreshes, once, with its (rotated) copy.
  expect((await expireAtServer(record!.session!.tokens.accessToken)).expired).toBe(1)
  const before = await counts()
  // client.fetch returns the resource server's 401 (fetchJson would wait for the same user to sign in again).
  const answered = await page.evaluate((url) => window.tabauth.fetch(url).then(async (response) => (await response.text(), response.status)), `${issuer}/notes`)
  expect(answered).toBe(401)
  for (const tab of [page, second]) {
    await waitForStatus(tab, 'reloginRequired')
    expect(await snapshot(tab)).toMatchObject({ status: 'reloginRequired', code: 'LOGIN_REQUIRED', reason: 'refresh_token_reused' })
  }
  expect(await testIdText(page, 'error')).toMatch(/refresh token already used.*already rotated refresh token was presented/)
  await page.getByRole('button', { name: 'Sign in again' }).first().waitFor()
  await Promise.all([settle(page), settle(second)])
  const c = await counts()
  // One refresh by the app (refused: the server saw the reuse and revoked the grant), and none after.
  expect(c.token.refresh_token.error - before.token.refresh_token.error).toBe(1)
  expect(c.token.refresh_token.success - before.token.refresh_token.success).toBe(0)
  expect(c.errors.at(-1)).toMatchObject({ grant_type: 'refresh_token', error: 'invalid_grant', detail: 'refresh token already used' })
})
