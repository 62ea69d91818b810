// Sign-in through the real provider, with the example app in React StrictMode (dev server, so
// effects run twice): one code exchange, a clean URL, and the user back where login started.
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, settle, signIn, storedRecord, testIdText, useBrowser } from './helpers.ts'

let page: Page
useBrowser((_, p) => (page = p))

test('signing in shows Alice after exactly one code exchange, despite StrictMode', async () => {
  const codeRequests: string[] = []
  page.on('request', (request) => {
    if (request.method() === 'POST' && /grant_type=authorization_code/.test(request.postData() ?? '')) codeRequests.push(request.url())
  })

  await signIn(page)
  expect(await testIdText(page, 'user-name')).toBe('Alice Example')

  // Nothing of the app's may still be in flight (a second exchange would be) before counting.
  await settle(page)
  const c = await counts()
  expect(c.token.authorization_code).toEqual({ success: 1, error: 0 })
  expect(c.token.refresh_token.error).toBe(0)
  expect(c.errors).toEqual([])
  expect(codeRequests).toHaveLength(1)
})

test('after sign-in the URL carries no code or state', async () => {
  await signIn(page)
  await settle(page)
  const url = new URL(page.url())
  expect(url.origin).toBe(appUrl)
  expect(url.pathname).toBe('/')
  expect(url.search).not.toMatch(/[?&](code|state|iss|session_state)=/)
  expect(url.hash).not.toMatch(/(code|state)=/)
})

test('returnTo: signing in from /somewhere?x=1 comes back to /somewhere?x=1', async () => {
  await signIn(page, '/somewhere?x=1')
  expect(await testIdText(page, 'user-name')).toBe('Alice Example')
  await settle(page)
  const url = new URL(page.url())
  expect(url.origin).toBe(appUrl)
  expect(`${url.pathname}${url.search}`).toBe('/somewhere?x=1')
  const c = await counts()
  expect(c.token.authorization_code).toEqual({ success: 1, error: 0 })
})

test('a new tab of the signed-in app renders signedIn in its first frame (the hint), and nothing in Web Storage holds the refresh or ID token', async () => {
  await signIn(page)
  await settle(page)
  const { refreshToken, idToken } = (await storedRecord(page))!.session!.tokens
  expect(refreshToken && idToken).toBeTruthy()
  // Every status the new tab ever shows, from its first render on.
  const tab = await page.context().newPage()
  await tab.addInitScript(() => {
    const seen: string[] = ((window as unknown as { __statuses: string[] }).__statuses = [])
    new MutationObserver(() => {
      const shown = document.querySelector('[data-testid="status"]')?.textContent
      if (shown && shown !== seen.at(-1)) seen.push(shown)
    }).observe(document, { subtree: true, childList: true, characterData: true })
  })
  await tab.goto(appUrl)
  await tab.getByTestId('user-name').waitFor()
  await settle(tab)
  expect(await tab.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses)).toEqual(['signedIn'])
  const webStorage = await tab.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]))
  expect(webStorage).toContain('tabauth:hint:')
  expect(webStorage).not.toContain(refreshToken)
  expect(webStorage).not.toContain(idToken)
  expect((await counts()).token.refresh_token.success).toBe(0)
})
