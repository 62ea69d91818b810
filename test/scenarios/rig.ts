// The one tab interface every scenario is written against, whatever engine drives the tabs, and
// the waits and page helpers the scenarios share. Drivers: test/engines/{chromium,firefox,webkit}.js.
//
// Waits: every wait names what it waits for (a provider count, a tab's status or client state, a
// page event, a fetch finishing, a token's expiry) and has a bound; when the bound is reached it
// says what was awaited and what was seen last. Polling (every 50 ms) reads state the scenario
// names; it never stands in for an event by sleeping. The one kind of wait on wall-clock time is a
// *negative* check (`quiet`): "nothing more happens in N ms", which no event can signal; it polls the
// provider and fails at the first request, and each caller says why its N is enough.
import type { RigState } from './instrument.ts'

export type EngineName = 'chromium' | 'firefox' | 'webkit'

export interface Tab {
  goto(url: string): Promise<void>
  /** Runs a self-contained function in the page (it is serialised: no closures) and returns its awaited, JSON-able result. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>
  /** Chromium only (engine.pause === true): evaluates `schedule` (which queues a `debugger` statement) and resolves once the page stopped there. */
  pause?(schedule: () => void): Promise<void>
  resume?(): Promise<void>
  close(): Promise<void>
}

/** A fresh storage partition (a browser context, or a WebDriver session): its tabs share IndexedDB, Web Locks and BroadcastChannel. */
export interface BrowserProfile {
  newTab(url: string): Promise<Tab>
  close(): Promise<void>
}

export interface Engine {
  name: EngineName
  version: string
  /** true, or why this engine cannot stop a page's JavaScript. */
  pause: true | string
  newProfile(): Promise<BrowserProfile>
  close(): Promise<void>
}

export interface Counts {
  token: Record<string, { success: number; error: number }> & { authorization_code: { success: number; error: number }; refresh_token: { success: number; error: number } }
  authorizations: number
  revocations: number
  logouts: number
  hanging: number
  errors: Array<{ grant_type: string; error: string; detail: string | null; at: string }>
}

/** The dev provider (scripts/provider.js, in this process): counts are read here, never from a page. */
export interface Provider {
  issuer: string
  counts(): Counts
  reset(): Counts
  settings(patch?: Record<string, unknown>): Record<string, unknown> & { refreshTokenTtl: number }
  revoke(sub?: string): Promise<{ revoked: number }>
}

/** A server profile's flags (scripts/lib/profiles.js). */
export interface ServerProfile {
  rotate?: false
  reuse?: 'reject'
  revokePreviousAccess?: true
  idTokenOnRefresh?: false
  iss?: false
  discovery?: string
  advertise?: false
  oauth2?: true
  announceRefreshLifetime?: true
  refreshTokenTtl?: number
  invalidGrantText?: string
  deadRefresh?: 'empty' | 'html' | 'invalid_request'
  clientChanged?: 'unauthorized_client' | 'invalid_client'
  refreshWithoutExpiresIn?: true
  revocationRefused?: true
  refreshTokens?: 'always'
  endSessionRevokes?: true
  offlineAccess?: 'prompt-consent'
}

export interface OpenOptions {
  /** The app's server config (localStorage `tabauth-demo:server`), when not the provider's default. */
  server?: Record<string, unknown>
  /** The app's relogin policy (localStorage `tabauth-demo:relogin`). */
  relogin?: 'prompt' | 'redirect'
  /** Every tab loads visible (it refreshes on its own timer); default hidden. */
  visible?: boolean
}

export interface Ctx {
  engine: Engine
  /** The server profile's name and flags. */
  profileName: string
  profile: ServerProfile
  provider: Provider
  appUrl: string
  clientId: string
  /** A fresh browser profile (closed after the scenario) whose app pages get `options` at load. */
  open(options?: OpenOptions): Promise<BrowserProfile>
  /** The provider's counts now, remembered as the counts the scenario checked (the runner prints them; later requests the test itself sends, such as a replayed refresh token, are not in them). */
  measure(): Counts
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const short = (value: unknown) => {
  const text = JSON.stringify(value, (_, v) => (typeof v === 'string' && v.length > 40 ? `…${v.slice(-6)}` : v))
  return text && text.length > 1500 ? `${text.slice(0, 1500)}…` : text
}

/** Polls `read` until `until(value)`; after `timeout` ms throws with what was awaited, the last value and `describe()`. */
export async function waitFor<T>(
  what: string,
  read: () => T | Promise<T>,
  until: (value: T) => boolean,
  {
    timeout = 15_000,
    interval = 50,
    describe = async () => '',
    fail,
  }: { timeout?: number; interval?: number; describe?: () => Promise<string> | string; fail?: (value: T) => string | undefined } = {},
): Promise<T> {
  const started = Date.now()
  for (;;) {
    const value = await read()
    if (until(value)) return value
    const failed = fail?.(value)
    if (failed || Date.now() - started >= timeout) {
      throw new Error(`${failed ? `gave up (${failed})` : `timed out after ${timeout} ms`} waiting for ${what}; last seen: ${short(value)}${await describe()}`)
    }
    await sleep(interval)
  }
}

/** Waits until `at` (a Date.now() instant the scenario names: a token's expiry, a lifetime's end). */
export async function until(at: number, what: string, bound = 60_000): Promise<void> {
  const wait = at - Date.now()
  if (wait > bound) throw new Error(`${what} is ${wait} ms away (bound ${bound} ms)`)
  if (wait > 0) await sleep(wait)
}

/**
 * Nothing more reaches the provider for `ms`: a negative check, the one wall-clock wait (see the file
 * comment). Polls the counts and fails at the first change.
 */
export async function quiet(provider: Provider, ms: number, why: string): Promise<void> {
  // The OAuth side only: the demo's own API (`notes`) may be read again by any tab when a new session
  // arrives (its queries refetch), a moment sooner or later (CI: notes.read 2 -> 5 after a re-login).
  const oauth = () => JSON.stringify({ ...provider.counts(), notes: undefined })
  const before = oauth()
  const end = Date.now() + ms
  while (Date.now() < end) {
    await sleep(50)
    const now = oauth()
    if (now !== before) throw new Error(`expected no request for ${ms} ms (${why}); the counts changed:\n  before ${before}\n  now    ${now}`)
  }
}

// ---- the provider's counts ------------------------------------------------------------------

export const tokenRequests = (c: Counts) => Object.values(c.token).reduce((sum, grant) => sum + grant.success + grant.error, 0)
export const refreshRequests = (c: Counts) => c.token.refresh_token.success + c.token.refresh_token.error
export const invalidGrants = (c: Counts) => c.errors.filter((e) => e.error === 'invalid_grant').length
/** The provider's counts as one line, for the runner's table. */
export const countsLine = (c: Counts) =>
  `code ${c.token.authorization_code.success}/${c.token.authorization_code.error}, refresh ${c.token.refresh_token.success}/${c.token.refresh_token.error}, invalid_grant ${invalidGrants(c)}, auth ${c.authorizations}, revoke ${c.revocations}, logout ${c.logouts}`

export async function userinfo(ctx: Ctx, token: string): Promise<{ status: number; name?: string }> {
  const response = await fetch(`${ctx.provider.issuer}/me`, { headers: { authorization: `Bearer ${token}` } })
  const body = (await response.json().catch(() => ({}))) as { name?: string }
  return { status: response.status, name: body.name }
}

/** A refresh_token grant sent from Node (the test sends it, never tabauth): the HTTP status. */
export async function refreshGrantStatus(ctx: Ctx, refreshToken: string): Promise<number> {
  const response = await fetch(`${ctx.provider.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: ctx.clientId }),
  })
  await response.arrayBuffer()
  return response.status
}

// ---- what a page holds and shows ------------------------------------------------------------

export interface Snapshot {
  status: string
  accessToken?: string
  expiresAt?: number
  generation?: number
  code?: string
  reason?: string
  error?: string
  cause?: { code?: string; status?: number; message?: string }
}

/** What the page's client holds (not what is rendered); `none` while the page has no client (navigating). */
export function snapshot(tab: Tab): Promise<Snapshot> {
  return tab
    .evaluate(() => {
      if (!window.tabauth) return { status: 'none' }
      const s = window.tabauth.getSnapshot() as {
        status: string
        accessToken?: string
        expiresAt?: number
        generation?: number
        error?: { code?: string; reason?: string; error?: string; cause?: { code?: string; status?: number; message?: string } }
      }
      const e = s.error
      return {
        status: s.status,
        accessToken: s.accessToken,
        expiresAt: s.expiresAt,
        generation: s.generation,
        code: e?.code,
        reason: e?.reason,
        error: e?.error,
        cause: e?.cause ? { code: e.cause.code, status: e.cause.status, message: e.cause.message } : undefined,
      }
    })
    .catch((error: Error) => ({ status: 'none', error: error.message.split('\n')[0] }))
}

/** The rig's record of the page (instrument.ts); undefined while the page cannot answer (navigating). */
export function rigOf(tab: Tab): Promise<RigState | undefined> {
  return tab.evaluate(() => window.__rig).catch(() => undefined)
}

/** The text of a data-testid element, or undefined. */
export function text(tab: Tab, testId: string): Promise<string | undefined> {
  return tab.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? undefined, testId).catch(() => undefined)
}

/** Where the page is, what it shows and logged: for failure messages. */
export async function describeTab(tab: Tab): Promise<string> {
  const facts = await tab.evaluate(() => ({ url: location.href, error: document.querySelector('[data-testid="error"]')?.textContent, log: window.__rig?.log.slice(-10) })).catch(() => undefined)
  if (!facts) return '\n  (page did not answer)'
  return `\n  at ${facts.url}${facts.error ? `\n  page shows error: ${facts.error}` : ''}${facts.log?.length ? `\n  page log:\n    ${facts.log.join('\n    ')}` : ''}`
}

/**
 * Waits until the app shows `expected`; gives up at once on an unexpected `error`, which is final
 * (an `outage`, e.g. REFRESH_PENDING while a hidden tab reads the store under a busy lock, is not).
 */
/**
 * `signedIn` also waits for the snapshot's access token: a new tab's first frames, drawn from the
 * first-render hint, show signedIn before the store is read, without a token (CI: WebKit's sixth tab).
 */
export async function waitForStatus(tab: Tab, expected: string, timeout = 20_000): Promise<void> {
  const shown = () =>
    tab
      .evaluate(() => ({
        status: document.querySelector('[data-testid="status"]')?.textContent ?? undefined,
        error: document.querySelector('[data-testid="error"]')?.textContent ?? undefined,
        token: Boolean((window.tabauth?.getSnapshot() as { accessToken?: string } | undefined)?.accessToken),
      }))
      .catch(() => ({ status: undefined, error: undefined, token: false }))
  await waitFor(`status ${expected}${expected === 'signedIn' ? ' with its access token' : ''}`, shown, (s) => s.status === expected && (expected !== 'signedIn' || s.token), {
    timeout,
    fail: (s) => (s.status === 'error' && expected !== 'error' ? 'the app shows error' : undefined),
    describe: () => describeTab(tab),
  })
}

/**
 * Makes the page report `visible` (or `hidden`) and fires `visibilitychange`, as a browser does.
 * `untilRefreshed`: the page turns hidden again at its own first `refreshed` event, so a slow driver
 * cannot leave it visible long enough to refresh twice.
 */
export function setVisible(tab: Tab, visible: boolean, untilRefreshed = false): Promise<void> {
  return tab.evaluate(
    ({ visible, untilRefreshed }) => {
      const show = (value: boolean) => {
        window.__rig.visible = value
        document.dispatchEvent(new Event('visibilitychange'))
      }
      show(visible)
      if (untilRefreshed) {
        const stop = window.tabauth.onEvent((event) => {
          if (event.type === 'refreshed') {
            stop()
            show(false)
          }
        })
      }
    },
    { visible, untilRefreshed },
  )
}

/** Clicks the app's button `name` after this evaluate returns (the click may navigate away); resolves to the page's Date.now() then. */
export async function click(tab: Tab, name: string): Promise<number> {
  const at = await tab.evaluate((name) => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === name)
    if (button) setTimeout(() => button.click())
    return button ? Date.now() : undefined
  }, name)
  if (at === undefined) throw new Error(`no "${name}" button${await describeTab(tab)}`)
  return at
}

// ---- getAccessToken() calls, started in the pages -----------------------------------------

export interface Call {
  start?: number
  end?: number
  token?: string
  code?: string
  reason?: string
  error?: string
  cause?: { code?: string; status?: number; message?: string }
}

declare global {
  interface Window {
    __rigCalls?: Call[]
  }
}

/**
 * Starts `times` getAccessToken() calls in each tab at one Date.now() instant `at` (so they do not
 * arrive one driver round trip apart: 200 ms per tab covers WebKit's one-command-at-a-time driver
 * on a loaded machine) and returns at once; `calls` reads what they did (polled: an evaluate that
 * awaited them would never return in a tab that navigates away).
 */
export async function startCalls(tabs: Tab[], times: number, at = Date.now() + 200 * tabs.length): Promise<void> {
  for (const tab of tabs) {
    await tab
      .evaluate(
        ({ at, times }) => {
          const calls: Call[] = (window.__rigCalls = Array.from({ length: times }, () => ({})))
          setTimeout(() => {
            for (const call of calls) {
              call.start = Date.now()
              window.tabauth.getAccessToken().then(
                (token) => Object.assign(call, { end: Date.now(), token }),
                (e: { code?: string; reason?: string; error?: string; message?: string; cause?: { code?: string; status?: number; message?: string } }) =>
                  Object.assign(call, {
                    end: Date.now(),
                    code: e.code ?? e.message,
                    reason: e.reason,
                    error: e.error,
                    cause: e.cause ? { code: e.cause.code, status: e.cause.status, message: e.cause.message } : undefined,
                  }),
              )
            }
          }, at - Date.now())
        },
        { at, times },
      )
      .catch(() => {}) // a tab on its way to the provider and back (relogin 'redirect'): `calls` reads undefined there
  }
}

/** Each tab's calls; `undefined` for a tab that left the page they were started in (a re-login redirect). */
export function calls(tabs: Tab[]): Promise<Array<Call[] | undefined>> {
  return Promise.all(tabs.map((tab) => tab.evaluate(() => window.__rigCalls).catch(() => undefined)))
}

/** Waits until every call in every tab has `field` (start or end), or its tab navigated away when `navigating` allows it. */
export async function allCalls(tabs: Tab[], field: 'start' | 'end', { timeout = 20_000, navigating = false } = {}): Promise<Array<Call[] | undefined>> {
  return waitFor(
    `every getAccessToken() call to ${field}`,
    () => calls(tabs),
    (all) => all.every((list) => (list ? list.every((call) => call[field] !== undefined) : navigating)),
    { timeout },
  )
}

/** What a call returned, in one word: the token, or `error: CODE`. */
export const outcome = (call: Call) => call.token ?? `error: ${call.code}`

// ---- tabs of one profile ---------------------------------------------------------------------

/** Opens `count` app tabs in `browser` and waits until each shows signedOut. */
export async function openTabs(ctx: Ctx, browser: BrowserProfile, count: number): Promise<Tab[]> {
  const tabs: Tab[] = []
  for (let i = 0; i < count; i++) tabs.push(await browser.newTab(ctx.appUrl))
  for (const tab of tabs) await waitForStatus(tab, 'signedOut')
  return tabs
}

/**
 * Opens `count` tabs, signs in on the first with access tokens of `ttl` seconds and waits until every
 * tab shows signedIn (the others adopt the session from the shared store). Signing in after the tabs
 * are open means no tab loads with a stale token (which it would refresh on mount). Later tokens last
 * `ttlAfter` seconds. Resolves to the tabs and when the sign-in started.
 */
export async function signedInTabs(
  ctx: Ctx,
  count: number,
  { ttl = 300, ttlAfter = 300, ...options }: { ttl?: number; ttlAfter?: number } & OpenOptions = {},
): Promise<{ browser: BrowserProfile; tabs: Tab[] }> {
  const browser = await ctx.open(options)
  const tabs = await openTabs(ctx, browser, count)
  ctx.provider.settings({ accessTokenTtl: ttl })
  await click(tabs[0]!, 'Sign in')
  await waitForStatus(tabs[0]!, 'signedIn', 30_000)
  ctx.provider.settings({ accessTokenTtl: ttlAfter })
  for (const tab of tabs) await waitForStatus(tab, 'signedIn')
  return { browser, tabs }
}

/** When the last tab's access token expires (per the expiry each client holds). */
export async function expiry(tabs: Tab[]): Promise<number> {
  return Math.max(...(await Promise.all(tabs.map(snapshot))).map((s) => s.expiresAt ?? 0))
}

/** Waits until every tab's access token has expired (50 ms past the expiry each client holds). */
export async function untilExpired(tabs: Tab[]): Promise<void> {
  await until((await expiry(tabs)) + 50, 'the access token to expire')
}

/** Waits until every tab's client holds the same signed-in token, other than `other`; returns it. */
export async function sameToken(tabs: Tab[], other?: string, timeout = 15_000): Promise<string> {
  const all = await waitFor(
    `every tab to hold the same signed-in access token${other ? ` other than …${other.slice(-6)}` : ''}`,
    () => Promise.all(tabs.map(snapshot)),
    (all) => all.every((s) => s.status === 'signedIn' && s.accessToken !== undefined && s.accessToken === all[0]!.accessToken && s.accessToken !== other),
    { timeout },
  )
  return all[0]!.accessToken!
}

/** Waits until no tab has a fetch() in flight (instrument.ts records each one's start and end). */
export async function idle(tabs: Tab[], timeout = 15_000): Promise<void> {
  await waitFor(
    'no fetch() in flight in any tab',
    () => Promise.all(tabs.map((tab) => tab.evaluate(() => window.__rig.fetches.filter((f) => f.end === undefined).map((f) => `${f.method} ${f.url}`)).catch(() => [] as string[]))),
    (inFlight) => inFlight.every((list) => list.length === 0),
    { timeout },
  )
}

/** The token set the app stored in IndexedDB (database tabauth, store sessions, key `${issuer} ${clientId}`). */
export function storedTokens(ctx: Ctx, tab: Tab): Promise<{ accessToken: string; refreshToken?: string; idToken?: string } | undefined> {
  return tab.evaluate(async (key) => {
    const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((r.onsuccess = () => resolve(r.result)), (r.onerror = () => reject(r.error))))
    const db = await request(indexedDB.open('tabauth'))
    try {
      const record = (await request(db.transaction('sessions').objectStore('sessions').get(key))) as
        { session?: { tokens?: { accessToken: string; refreshToken?: string; idToken?: string } } } | undefined
      return record?.session?.tokens
    } finally {
      db.close()
    }
  }, `${ctx.provider.issuer} ${ctx.clientId}`)
}
