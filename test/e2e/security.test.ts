// Security rules that are about the browser: history, referrer and cookies, in real Chromium
// against the real provider. The rules the core enforces by itself are in test/unit/security.test.ts.
import type { Page, Request } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, issuer, settle, signIn, useBrowser } from './helpers.ts'
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
