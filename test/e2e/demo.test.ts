// The demo's own panels and buttons (example/SessionPanel, TokenRequests, Timeline, DemoActions) in
// two real Chromium tabs against the real provider: what a visitor is told matches what happened.
import type { BrowserContext, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, fingerprint, newTab, signIn, testIdText, useBrowser, waitFor, waitForStatus } from './helpers.ts'

let context: BrowserContext
let page: Page
useBrowser((c, p) => {
  context = c
  page = p
})

async function secondTab(): Promise<Page> {
  await signIn(page)
  const second = await newTab(context)
  await second.goto(appUrl)
  await waitForStatus(second, 'signedIn')
  return second
}

const timeline = (tab: Page) => tab.getByTestId('timeline').textContent()
const waitForText = (tab: Page, testId: string, expected: string) =>
  waitFor(
    () => testIdText(tab, testId),
    (value) => value === expected,
    { message: `${testId} = ${expected}` },
  )

test("'Expire the token now' in tab 1: one refresh request serves both tabs, both show generation 2, and each tab's timeline and count say so", async () => {
  const second = await secondTab()
  expect(await testIdText(second, 'generation')).toBe('1')
  const before = (await counts()).token.refresh_token

  await page.getByRole('button', { name: 'Expire the token now' }).click()
  await Promise.all([page, second].map((tab) => waitForText(tab, 'generation', '2')))
  expect(await fingerprint(second)).toBe(await fingerprint(page))
  expect((await counts()).token.refresh_token).toEqual({ success: before.success + 1, error: before.error })

  // The other tab's line arrives over the demo's channel; the count is the provider's.
  await waitFor(
    () => timeline(page),
    (text) => /Tab \d+adopted the token from another tab/.test(text ?? ''),
    { message: "tab 2's adoption in tab 1's timeline" },
  )
  expect(await timeline(second)).toMatch(/refreshed here/)
  await Promise.all([page, second].map((tab) => waitForText(tab, 'refresh-count', String(before.success + before.error + 1))))
})

test("'Revoke the session at the provider': one invalid_grant, both tabs show 'Sign in again' with the reason, and no token request follows", async () => {
  const second = await secondTab()
  await page.getByRole('button', { name: 'Revoke the session at the provider' }).click()
  await Promise.all([page, second].map((tab) => waitForStatus(tab, 'reloginRequired')))
  for (const tab of [page, second]) expect(await tab.getByRole('button', { name: 'Sign in again', exact: true }).count()).toBe(1)
  expect(await timeline(page)).toMatch(/re-login required: refresh_token_revoked_or_expired/)

  const after = await counts()
  expect(after.token.refresh_token.error).toBe(1)
  await new Promise((resolve) => setTimeout(resolve, 3000))
  expect((await counts()).token).toEqual(after.token)
})
