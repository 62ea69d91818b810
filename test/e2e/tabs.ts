// Several real tabs of one browser context running the example app, with two things the tests
// must control and observe in every tab:
//  - visibility: the library refreshes on its own timer only in a visible tab, and every Playwright
//    page counts as visible. An init script makes `document.visibilityState` answer 'hidden' unless
//    the test turns a tab visible, so a test decides which tab (if any) refreshes by itself.
//  - events: every event of the page's client (`window.tabauth.onEvent`), stamped with Date.now()
//    (all tabs share one clock), recorded from the moment the app creates the client.
// Counts still come from the provider only; events say *which* tab did something, and when.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { appUrl, counts, discovery, newContext, reset, settings, settle, signIn, waitFor, waitForStatus, type Counts } from './helpers.ts'

export interface TabEvent {
  type: 'refreshed' | 'adopted' | 'signedIn' | 'signedOut' | 'reloginRequired' | 'channelMessageIgnored'
  generation?: number
  at: number
}

export interface Snapshot {
  status: string
  accessToken?: string
  expiresAt?: number
  generation?: number
}

declare global {
  interface Window {
    __tabVisible?: boolean
    __tabEvents?: TabEvent[]
  }
}

/** Runs in every page before the app's scripts (see the file comment). */
function instrument() {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (window.__tabVisible ? 'visible' : 'hidden') })
  window.__tabEvents = []
  // The app assigns `window.tabauth = client` once; subscribe at that moment, before any event.
  Object.defineProperty(window, 'tabauth', {
    configurable: true,
    set(client: { onEvent(listener: (event: { type: TabEvent['type']; generation?: number }) => void): void }) {
      Object.defineProperty(window, 'tabauth', { value: client, configurable: true, writable: true })
      client.onEvent((event) => window.__tabEvents!.push({ type: event.type, generation: event.generation, at: Date.now() }))
    },
  })
}

/** A fresh context (new profile) whose pages start hidden and record their events; one blank page. */
export async function tabsContext(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await newContext(browser)
  await context.addInitScript(instrument)
  return { context, page }
}

/**
 * Opens `count - 1` more tabs on the app, then signs in on `first` with access tokens of `ttl`
 * seconds and waits until every tab shows signedIn (the others adopt the session from the shared
 * store). Signing in after the tabs are open means no tab loads with an already stale token (which
 * it would refresh on mount). Later tokens last `ttlAfter` seconds (default 300).
 */
export async function signedInTabs(context: BrowserContext, first: Page, count: number, { ttl = 300, ttlAfter = 300 }: { ttl?: number; ttlAfter?: number } = {}): Promise<Page[]> {
  const others = await Promise.all(Array.from({ length: count - 1 }, () => context.newPage()))
  await Promise.all(others.map((tab) => tab.goto(appUrl)))
  await Promise.all(others.map((tab) => waitForStatus(tab, 'signedOut')))
  await settings({ accessTokenTtl: ttl })
  await signIn(first)
  await settings({ accessTokenTtl: ttlAfter })
  const tabs = [first, ...others]
  await Promise.all(tabs.map((tab) => waitForStatus(tab, 'signedIn')))
  return tabs
}

export function setVisible(tab: Page, visible: boolean): Promise<void> {
  return tab.evaluate((value) => void (window.__tabVisible = value), visible)
}

/** What the page's client holds right now (not what is rendered). */
export function snapshot(tab: Page): Promise<Snapshot> {
  return tab.evaluate(() => {
    const state = window.tabauth.getSnapshot() as Snapshot
    return { status: state.status, accessToken: state.accessToken, expiresAt: state.expiresAt, generation: state.generation }
  })
}

export function events(tab: Page): Promise<TabEvent[]> {
  return tab.evaluate(() => window.__tabEvents ?? [])
}

/**
 * The storm: 5 tabs signed in with 3 s tokens; once the token expired, every tab asks 3 times at
 * one instant. Resolves to the token before, every call's result and the provider's counts since.
 */
export async function storm(context: BrowserContext, page: Page): Promise<{ tabs: Page[]; before: string; results: string[][]; after: Counts }> {
  const tabs = await signedInTabs(context, page, 5, { ttl: 3 })
  const before = (await snapshot(page)).accessToken!
  await untilExpired(tabs)
  await reset()
  const results = await getTokensAtOnce(tabs, 3)
  await Promise.all(tabs.map(settle))
  return { tabs, before, results, after: await counts() }
}

/**
 * Calls `getAccessToken()` `times` times in every tab at one instant: each tab sleeps until a
 * common Date.now() deadline, so the calls do not arrive one Playwright round trip apart.
 * Resolves to each tab's results (a token, or `error: <code or message>`).
 */
export async function getTokensAtOnce(tabs: Page[], times = 1): Promise<string[][]> {
  const at = Date.now() + 300
  return Promise.all(
    tabs.map((tab) =>
      tab.evaluate(
        async ({ at, times }) => {
          await new Promise((resolve) => setTimeout(resolve, at - Date.now()))
          return Promise.all(Array.from({ length: times }, () => window.tabauth.getAccessToken().catch((error: { code?: string; message?: string }) => `error: ${error.code ?? error.message}`)))
        },
        { at, times },
      ),
    ),
  )
}

/** Waits until every tab's client holds the same signed-in token; returns it. */
export async function sameToken(tabs: Page[], { other, timeout = 10_000 }: { other?: string; timeout?: number } = {}): Promise<string> {
  const snapshots = await waitFor(
    () => Promise.all(tabs.map(snapshot)),
    (all) => all.every((s) => s.status === 'signedIn' && s.accessToken !== undefined && s.accessToken === all[0]!.accessToken && s.accessToken !== other),
    {
      timeout,
      interval: 50,
      message: 'every tab to hold the same signed-in access token' + (other ? ` other than …${other.slice(-6)}` : ''),
      describe: async () => `\ntabs: ${JSON.stringify((await Promise.all(tabs.map(snapshot))).map((s) => ({ ...s, accessToken: s.accessToken?.slice(-6) })))}`,
    },
  )
  return snapshots[0]!.accessToken!
}

/** Sleeps until every tab's access token has expired (per the expiry each client holds). */
export async function untilExpired(tabs: Page[]): Promise<void> {
  const expiries = (await Promise.all(tabs.map(snapshot))).map((s) => s.expiresAt ?? 0)
  const wait = Math.max(...expiries) + 50 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

/** The provider's userinfo endpoint called from Node with `accessToken`: the HTTP status and the name. */
export async function userinfo(accessToken: string): Promise<{ status: number; name?: string }> {
  const { userinfo_endpoint } = await discovery()
  const response = await fetch(userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } })
  const body = (await response.json().catch(() => ({}))) as { name?: string }
  return { status: response.status, name: body.name }
}
