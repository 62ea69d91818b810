// tabauth/query in the example app (DataView, NoteForm) against the real provider and its /notes
// resource, in real Chromium tabs: sign-out and user switches clear every tab's cache, and a save
// that meets a dead grant completes after "Sign in again" in a popup, with the page untouched.
import type { BrowserContext, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, issuer, newTab, reset, revoke, settings, signIn, status, testIdText, useBrowser, waitFor, waitForStatus } from './helpers.ts'

let context: BrowserContext
let page: Page
useBrowser((c, p) => {
  context = c
  page = p
})

/** The owner of the notes on screen, or undefined when no notes are shown. */
function notesOwner(tab: Page): Promise<string | undefined> {
  return tab.evaluate(() => document.querySelector('[data-testid="notes"]')?.getAttribute('data-owner') ?? undefined)
}

function waitForOwner(tab: Page, owner: string | undefined): Promise<string | undefined> {
  return waitFor(
    () => notesOwner(tab),
    (value) => value === owner,
    { message: `notes of ${owner ?? 'nobody'} on screen` },
  )
}

/** Records, on every change of the page, whose notes it shows and who is signed in at that moment. */
async function recordScreens(tab: Page): Promise<() => Promise<Array<{ user?: string; owner: string }>>> {
  await tab.evaluate(() => {
    const seen: Array<{ user?: string; owner: string }> = ((window as unknown as { __screens: unknown[] }).__screens = [])
    const look = () => {
      const owner = document.querySelector('[data-testid="notes"]')?.getAttribute('data-owner')
      const state = window.tabauth.getSnapshot() as { user?: { sub: string } }
      if (owner) seen.push({ user: state.user?.sub, owner })
    }
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
    look()
  })
  return () => tab.evaluate(() => (window as unknown as { __screens: Array<{ user?: string; owner: string }> }).__screens)
}

/** Counts full-page loads of `tab` from now on (a navigation of the main frame). */
function countNavigations(tab: Page): () => number {
  let loads = 0
  tab.on('framenavigated', (frame) => {
    if (frame === tab.mainFrame()) loads++
  })
  return () => loads
}

async function signedInTwoTabs(): Promise<Page> {
  const second = await newTab(context)
  await second.goto(appUrl)
  await waitForStatus(second, 'signedOut')
  await signIn(page)
  await waitForStatus(second, 'signedIn')
  await Promise.all([waitForOwner(page, 'alice'), waitForOwner(second, 'alice')])
  return second
}

test("sign-out in tab 1 clears tab 2's query cache: the notes leave its screen", async () => {
  const second = await signedInTwoTabs()
  // Tab 1 shows signedOut (and the app's URL) for a moment before it leaves for the provider's logout:
  // "back" means after a visit to the provider (CI: an evaluate in that moment met the navigation).
  const visited: string[] = []
  page.on('framenavigated', (frame) => frame === page.mainFrame() && visited.push(frame.url()))
  await page.getByRole('button', { name: 'Sign out', exact: true }).click()
  await waitForStatus(second, 'signedOut')
  await waitForOwner(second, undefined)
  expect(await testIdText(second, 'no-notes')).toBe('No notes on screen.')
  expect(await second.evaluate(() => document.body.textContent?.includes("Alice's first note"))).toBe(false)
  // Tab 1 finishes its round trip through the provider's logout: back on the app, signed out, no notes.
  await waitFor(async () => visited.some((url) => url.startsWith(issuer)) && page.url().startsWith(appUrl) && (await status(page)) === 'signedOut', Boolean, {
    timeout: 20_000,
    message: 'tab 1 back from the logout, signed out',
  })
  await waitForOwner(page, undefined)
})

test("another user signing in: no tab ever shows the first user's notes to the second", async () => {
  const second = await signedInTwoTabs()
  const screens = await recordScreens(second)
  // Bob signs in over Alice's session in tab 1 (login_hint picks the provider's user).
  await page.evaluate(() => void window.tabauth.login({ authorizationParams: { prompt: 'login', login_hint: 'bob' } }))
  await waitFor(
    () => status(page),
    (value) => value === 'signedIn' && page.url().startsWith(appUrl),
    { timeout: 30_000, message: 'tab 1 back, signed in' },
  )
  await Promise.all([waitForOwner(page, 'bob'), waitForOwner(second, 'bob')])
  const seen = await screens()
  expect(seen.some((screen) => screen.owner === 'bob')).toBe(true)
  expect(
    seen.filter((screen) => screen.owner !== screen.user),
    JSON.stringify(seen),
  ).toEqual([])
  expect(await second.evaluate(() => document.body.textContent?.includes("Alice's first note"))).toBe(false)
})

for (const coop of [false, true]) {
  test(`a dead grant during a save, then "Sign in again" in a popup${coop ? ' cut off by COOP' : ''}: the save completes with the new token, the input is intact, 1 code exchange, 0 navigations`, async () => {
    await signIn(page)
    await waitForOwner(page, 'alice')
    await settings({ coop })
    const navigations = countNavigations(page)
    await page.evaluate(() => ((window as unknown as { __samePage: boolean }).__samePage = true))
    const text = `written before the session died ${Date.now()}`
    await page.getByTestId('note-input').fill(text)

    await revoke('alice') // the grant dies: its access token and refresh token with it
    await reset()
    await page.getByRole('button', { name: 'Save note' }).click()
    await waitForStatus(page, 'reloginRequired')
    expect(await testIdText(page, 'note-status')).toBe('Saving…')
    expect(await page.getByTestId('note-input').inputValue()).toBe(text)
    const refused = await counts()
    expect(refused.notes).toMatchObject({ saved: 0, rejected: 1 })

    const popupOpened = context.waitForEvent('page')
    await page.getByRole('button', { name: 'Sign in again', exact: true }).click()
    const popup = await popupOpened
    await waitFor(
      () => testIdText(page, 'note-status'),
      (value) => value === 'Saved',
      { timeout: 30_000, message: 'the save to complete' },
    )
    await waitForStatus(page, 'signedIn')
    await waitFor(
      () => popup.isClosed(),
      (closed) => closed,
      { message: 'the popup to close itself' },
    )

    expect(await page.getByTestId('note-input').inputValue()).toBe(text)
    await waitFor(
      () => page.evaluate(() => document.querySelector('[data-testid="notes"]')?.textContent ?? ''),
      (shown) => shown.includes(text),
      { message: 'the saved note listed' },
    )
    const after = await counts()
    expect(after.token.authorization_code).toEqual({ success: 1, error: 0 })
    expect(after.notes.saved).toBe(1) // only a live token gets a note saved: the new one
    expect(navigations()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true)
  })
}

test('a popup the user closes leaves the page in reloginRequired, the save still waiting and the input intact', async () => {
  await signIn(page)
  await waitForOwner(page, 'alice')
  await page.getByTestId('note-input').fill('kept')
  await revoke('alice')
  await page.getByRole('button', { name: 'Save note' }).click()
  await waitForStatus(page, 'reloginRequired')
  // The provider holds the popup on its login page: the user sees it and closes it.
  const popupOpened = context.waitForEvent('page')
  await context.route(/\/auth\?/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>Sign in at the provider</p>' }))
  await page.getByRole('button', { name: 'Sign in again', exact: true }).click()
  const popup = await popupOpened
  await popup.waitForURL(/\/auth\?/)
  await popup.waitForLoadState()
  // No opener: a page the popup reaches (this one stands for the provider's) cannot navigate the app's tab.
  expect(await popup.evaluate(() => window.opener)).toBeNull()
  await waitForStatus(page, 'redirecting')
  await popup.close()
  await waitForStatus(page, 'reloginRequired')
  expect(await testIdText(page, 'note-status')).toBe('Saving…')
  expect(await page.getByTestId('note-input').inputValue()).toBe('kept')
  expect((await counts()).token.authorization_code.success).toBe(1) // the first sign-in only
})
