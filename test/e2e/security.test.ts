// Security rules that are about the browser: history, referrer and cookies, in real Chromium
// against the real provider. The rules the core enforces by itself are in test/unit/security.test.ts.
import type { Page, Request } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, issuer, settings, settle, signIn, storedRecord, useBrowser, waitFor, waitForStatus } from './helpers.ts'
import type { BrowserContext } from 'playwright-core'

let page: Page
let context: BrowserContext
useBrowser((c, p) => ((context = c), (page = p)))

const SECRET_PARAM = /[?&#](code|state|access_token|refresh_token|id_token)=/

test('after the callback no code, state or token is in the URL or any history entry', async () => {
  await signIn(page, '/somewhere')
  await settle(page)
  expect(page.url()).not.toMatch(SECRET_PARAM)
  const cdp = await context.newCDPSession(page)
  const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: Array<{ url: string }> }
  expect(entries.length).toBeGreaterThan(0)
  for (const entry of entries) expect(entry.url).not.toMatch(SECRET_PARAM)
  // The callback entry was replaced, not kept: Back leaves the app's clean pages only.
  expect(entries.filter((entry) => entry.url.startsWith(`${appUrl}/callback`))).toEqual([])
})

test('requests to the authorization server carry no cookie and no referrer; no cross-origin request carries the code', async () => {
  const requests: Request[] = []
  page.on('request', (request) => void requests.push(request))
  await signIn(page)
  await settle(page)
  // The provider did set its session cookies on this host, so a cookie could have been sent.
  expect((await context.cookies(issuer)).length).toBeGreaterThan(0)
  // The authorization server's endpoints (the same origin also serves a resource, /notes, which is the app's business).
  const AS_PATHS = ['/.well-known/openid-configuration', '/token', '/token/revocation']
  const fetches = requests.filter((r) => r.url().startsWith(issuer) && AS_PATHS.includes(new URL(r.url()).pathname))
  expect(fetches.map((r) => new URL(r.url()).pathname)).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/token']))
  for (const request of fetches) {
    const headers = await request.allHeaders()
    expect(headers.cookie, request.url()).toBeUndefined()
    expect(headers.referer, request.url()).toBeUndefined()
  }
  for (const request of requests.filter((r) => !r.url().startsWith(appUrl))) {
    expect((await request.allHeaders()).referer ?? '', request.url()).not.toMatch(/[?&]code=/)
  }
})

// ---- Safe defaults (issue 19) ------------------------------------------------------------------

test('client.fetch and fetchJson to an origin the app did not name: CONFIG, and no request leaves the browser', async () => {
  await signIn(page)
  await settle(page)
  // The same server under another name is another origin: one the app never named.
  const other = appUrl.replace('127.0.0.1', 'localhost')
  expect(new URL(other).origin).not.toBe(new URL(appUrl).origin)
  const sent: Request[] = []
  context.on('request', (request) => void (request.url().startsWith(other) && sent.push(request)))
  const outcome = await page.evaluate(async (url) => {
    const code = (error: unknown) => (error as { code?: string }).code
    return {
      fetch: await window.tabauth.fetch(`${url}/notes`).then(() => 'sent', code),
      fetchJson: await window.fetchJson(`${url}/notes`).then(() => 'sent', code),
    }
  }, other)
  expect(outcome).toEqual({ fetch: 'CONFIG', fetchJson: 'CONFIG' })
  expect(sent.map((r) => r.url())).toEqual([])
})

test('after sign-in, a refresh and a new tab, no Web Storage value in any tab holds the access, refresh or ID token', async () => {
  // 4 s tokens: the tab's own timer refreshes at 3 s; the refreshed token lasts.
  await settings({ accessTokenTtl: 4 })
  await signIn(page)
  const first = (await storedRecord(page))!.session!.tokens.accessToken
  await settings({ accessTokenTtl: 300 })
  await waitFor(
    async () => (await storedRecord(page))?.session?.tokens.accessToken,
    (token) => token !== undefined && token !== first,
    { timeout: 15_000, message: 'the refresh by the tab’s own timer' },
  )
  const second = await context.newPage()
  await second.goto(appUrl)
  await waitForStatus(second, 'signedIn')
  await settle(second)
  const { accessToken, refreshToken, idToken } = (await storedRecord(page))!.session!.tokens
  expect(refreshToken && idToken).toBeTruthy()
  for (const tab of [page, second]) {
    const values = await tab.evaluate(() => [localStorage, sessionStorage].flatMap((storage) => Object.keys(storage).map((key) => `${key}=${storage.getItem(key)}`)))
    expect(
      values.some((v) => v.startsWith('tabauth:hint:')),
      'the first-render hint is there',
    ).toBe(true)
    for (const token of [first, accessToken, refreshToken!, idToken!]) expect(values.filter((v) => v.includes(token))).toEqual([])
  }
})
