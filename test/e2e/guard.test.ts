// The route guard (example/Protected.tsx at /protected) against the real provider, in StrictMode:
// one automatic sign-in, back to the same path; a refused sign-in is shown and never redirected again.
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, issuer, settings, settle, signIn, testIdText, useBrowser, waitFor, waitForStatus } from './helpers.ts'

let page: Page
useBrowser((_, p) => (page = p))

/** Every authorization request the page sent to the provider (counted on the browser's side too). */
function watchAuthorizations(p: Page): string[] {
  const seen: string[] = []
  p.on('request', (request) => {
    if (new URL(request.url()).href.startsWith(`${issuer}/auth?`)) seen.push(request.url())
  })
  return seen
}

test('signed out on a guarded page: one redirect, back on the same page, signed in', async () => {
  const authorizations = watchAuthorizations(page)
  await page.goto(`${appUrl}/protected?tab=orders`)
  await waitForStatus(page, 'signedIn', 30_000)
  expect(await testIdText(page, 'protected-content')).toContain('Alice Example')
  await settle(page)
  const url = new URL(page.url())
  expect(`${url.pathname}${url.search}`).toBe('/protected?tab=orders')
  const c = await counts()
  expect(c.authorizations).toBe(1)
  expect(c.token.authorization_code).toEqual({ success: 1, error: 0 })
  expect(authorizations).toHaveLength(1)
})

test('a provider that refuses the sign-in: 1 redirect, then the error on screen, 0 further authorizations in 10 s (a reload included)', async () => {
  await settings({ authorizationError: 'access_denied' })
  const authorizations = watchAuthorizations(page)
  await page.goto(`${appUrl}/protected`)
  await waitFor(
    () => testIdText(page, 'error'),
    (text) => text?.includes('access_denied') ?? false,
    { message: 'the access_denied error on screen' },
  )
  expect(await testIdText(page, 'status')).toBe('signedOut')
  expect(await testIdText(page, 'guard-stopped')).toContain('This page needs you to sign in')
  expect(new URL(page.url()).pathname).toBe('/protected')
  const refusedAt = Date.now()
  expect((await counts()).authorizations).toBe(1)

  // The user reloads the page: the guard would sign in again, the loop breaker says no and the page says so.
  await new Promise((resolve) => setTimeout(resolve, 3_000))
  await page.reload()
  await waitFor(
    () => testIdText(page, 'error'),
    (text) => text?.includes('RELOGIN_LOOP') ?? false,
    { message: 'RELOGIN_LOOP on screen after the reload' },
  )
  expect(await testIdText(page, 'status')).toBe('signedOut')

  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10_000 - (Date.now() - refusedAt))))
  expect(await testIdText(page, 'status')).toBe('signedOut')
  expect((await counts()).authorizations).toBe(1)
  expect(authorizations).toHaveLength(1)
})

test('a sign-out in another tab: the guarded page shows "Sign in" and does not sign the user back in (the provider would, without a form)', async () => {
  // Signed in by hand first: the guard's own automatic sign-in (one per tab per minute) is still unused.
  await signIn(page)
  await page.goto(`${appUrl}/protected`)
  await waitForStatus(page, 'signedIn', 30_000)
  await settle(page)
  const other = await page.context().newPage()
  await other.goto(appUrl)
  await waitForStatus(other, 'signedIn')
  const before = await counts()
  const authorizations = watchAuthorizations(page)
  await other.evaluate(() => window.tabauth.logout({ localOnly: true }))
  await waitForStatus(page, 'signedOut')
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
  // An automatic sign-in would follow the sign-out at once (the provider signs Alice in without a form): 3 s shows it.
  await new Promise((resolve) => setTimeout(resolve, 3_000))
  expect(authorizations).toEqual([])
  expect((await counts()).authorizations).toBe(before.authorizations)
  expect(await waitForStatus(page, 'signedOut')).toBe('signedOut')
})
