// A used callback URL (?code=...&state=...) comes back: reloaded, or reached with the Back button.
// The app must not send the code again (the provider would revoke the grant), must not loop
// between the app and the provider, and must end signed in (or signed out with a visible message).
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, settle, signIn, status, testIdText, tokenRequests, waitForStatus, type Counts, useBrowser } from './helpers.ts'

let page: Page
useBrowser((_, p) => (page = p))

/** Collects the callback URLs the tab navigated to (the provider's redirect back to the app). */
function recordCallbackUrls(target: Page): string[] {
  const urls: string[] = []
  target.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === target.mainFrame() && request.url().startsWith(`${appUrl}/callback`)) {
      urls.push(request.url())
    }
  })
  return urls
}

/** Counts main-frame navigations (documents and history API URL changes alike) from now on. */
function countNavigations(target: Page): { urls: string[] } {
  const seen = { urls: [] as string[] }
  target.on('framenavigated', (frame) => {
    if (frame === target.mainFrame()) seen.urls.push(frame.url())
  })
  return seen
}

/** Signs in and returns the callback URL the provider sent the tab to. */
async function signInAndKeepCallbackUrl(): Promise<string> {
  const callbackUrls = recordCallbackUrls(page)
  await signIn(page)
  await settle(page)
  expect(callbackUrls).toHaveLength(1)
  const callbackUrl = callbackUrls[0]!
  expect(callbackUrl).toMatch(/[?&]code=/)
  expect(callbackUrl).toMatch(/[?&]state=/)
  const c = await counts()
  expect(c.token.authorization_code).toEqual({ success: 1, error: 0 })
  return callbackUrl
}

/**
 * After the replayed callback: the app settles (signed in, or signed out with a visible message),
 * navigates at most twice in the next 5 s (a loop would go on), and sent no token request.
 */
async function expectCalmEnding(before: Counts, navigations: { urls: string[] }): Promise<void> {
  await waitForStatus(page, ['signedIn', 'signedOut', 'reloginRequired', 'error'])
  // Watch for a loop: the app must stay put for 5 s.
  await new Promise((resolve) => setTimeout(resolve, 5_000))
  expect(navigations.urls.length, `navigations: ${JSON.stringify(navigations.urls)}`).toBeLessThanOrEqual(2)

  const finalStatus = await status(page)
  expect(['signedIn', 'signedOut']).toContain(finalStatus)
  if (finalStatus === 'signedOut') expect(await testIdText(page, 'error')).toBeTruthy()
  expect(new URL(page.url()).origin).toBe(appUrl)
  expect(page.url()).not.toMatch(/[?&](code|state)=/)

  await settle(page)
  const after = await counts()
  expect(tokenRequests(after) - tokenRequests(before), `token counts ${JSON.stringify(after.token)}`).toBe(0)
  expect(after.authorizations).toBe(before.authorizations)
  expect(after.errors).toEqual(before.errors)
}

test('reloading the used callback URL sends no token request and does not loop', async () => {
  const callbackUrl = await signInAndKeepCallbackUrl()
  const before = await counts()

  await page.goto(callbackUrl)
  const navigations = countNavigations(page)
  await expectCalmEnding(before, navigations)
})

test('pressing Back onto the used callback URL sends no token request and does not loop', async () => {
  const callbackUrl = await signInAndKeepCallbackUrl()
  // Leave the used callback URL in this tab's history (as a router or an uncleaned redirect would),
  // then leave with a full navigation; Back then loads the callback URL again.
  await page.evaluate((url) => history.pushState(null, '', url), callbackUrl)
  await page.goto(`${appUrl}/elsewhere`)
  await waitForStatus(page, 'signedIn')
  await settle(page)
  const before = await counts()

  const response = await page.goBack()
  expect(response?.url()).toBe(callbackUrl)
  const navigations = countNavigations(page)
  await expectCalmEnding(before, navigations)
})

test('pressing Back after signing in sends no token request and does not loop', async () => {
  await signInAndKeepCallbackUrl()
  const before = await counts()

  await page.goBack()
  const navigations = countNavigations(page)
  await expectCalmEnding(before, navigations)
  expect(await status(page)).toBe('signedIn')
})
