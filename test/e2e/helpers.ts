// Shared helpers for the e2e tests: a real Chromium (playwright-core), the example app, and the
// dev provider's control API. Counts always come from the provider, never from the page.
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest'
import { chromiumArgs, chromiumPath } from '../chromium.ts'

export const issuer = inject('issuer')
export const appUrl = inject('appUrl')
export const clientId = 'tabauth-example'

export type Status = 'loading' | 'signedOut' | 'redirecting' | 'signedIn' | 'outage' | 'reloginRequired' | 'error'

export interface Counts {
  token: {
    authorization_code: { success: number; error: number }
    refresh_token: { success: number; error: number }
  }
  authorizations: number
  revocations: number
  logouts: number
  userinfo: number
  notes: { read: number; saved: number; rejected: number }
  errors: unknown[]
  [key: string]: unknown
}

export interface ProviderSettings {
  accessTokenTtl?: number
  refreshTokenTtl?: number
  /** The authorization code's lifetime in seconds (60). */
  codeTtl?: number
  /** false: the token and revocation endpoints refuse CORS to the app's origin (its redirect URI stays registered). */
  cors?: boolean
  tokenFailure?: null | { status: number; error?: string; times?: number; retryAfter?: number } | { hang: true; times?: number }
  /** The sign-in pages send Cross-Origin-Opener-Policy: same-origin. */
  coop?: boolean
  /** Every sign-in is refused with this OAuth error (e.g. 'access_denied'); null signs Alice in. */
  authorizationError?: null | string
}

// ---- the provider's control API -------------------------------------------------------------

async function control<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${issuer}/__test/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${method} /__test/${path} answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as T
}

export const counts = () => control<Counts>('GET', 'counts')
export const reset = () => control<Counts>('POST', 'reset')
export const settings = (patch: ProviderSettings) => control<ProviderSettings>('POST', 'settings', patch)
export const revoke = (sub = 'alice') => control<{ revoked: number }>('POST', 'revoke', { sub })
/** Ends one access token at the server before its time (its grant and refresh token live on). */
export const expireAtServer = (token: string) => control<{ expired: number }>('POST', 'expire', { token })

/** Zeroes the counts and puts the provider's settings back to their defaults. */
export async function resetProvider(): Promise<void> {
  await settings({ accessTokenTtl: 300, refreshTokenTtl: 14 * 24 * 3600, codeTtl: 60, cors: true, tokenFailure: null, coop: false, authorizationError: null })
  await reset()
}

/** Every request the token endpoint has answered, whatever the grant and outcome. */
export function tokenRequests(c: Counts): number {
  const { authorization_code: code, refresh_token: refresh } = c.token
  return code.success + code.error + refresh.success + refresh.error
}

/** The provider's discovery document. */
export async function discovery(): Promise<{ token_endpoint: string; userinfo_endpoint: string; [key: string]: unknown }> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`)
  if (!response.ok) throw new Error(`discovery answered ${response.status}`)
  return (await response.json()) as { token_endpoint: string; userinfo_endpoint: string }
}

/** A refresh_token grant sent straight from Node, as the app would send it. */
export async function refreshGrant(refreshToken: string, client = clientId): Promise<{ status: number; body: Record<string, unknown> }> {
  const { token_endpoint } = await discovery()
  const response = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client }),
  })
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> }
}

// ---- the browser ----------------------------------------------------------------------------

/** One browser per test file: launch it in beforeAll, close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
}

/** What each page printed: console errors and uncaught exceptions, for failure messages. */
const pageLogs = new WeakMap<Page, string[]>()

/** Each watched page's requests in flight and when its network was last active: what settle() waits on. */
const traffic = new WeakMap<Page, { inFlight: Set<Request>; lastAt: number }>()

function watch(page: Page): Page {
  const log: string[] = []
  pageLogs.set(page, log)
  const seen = { inFlight: new Set<Request>(), lastAt: Date.now() }
  traffic.set(page, seen)
  const finished = (request: Request) => {
    seen.inFlight.delete(request)
    seen.lastAt = Date.now()
  }
  page.on('request', (request) => {
    seen.inFlight.add(request)
    seen.lastAt = Date.now()
  })
  page.on('requestfinished', finished)
  page.on('requestfailed', finished)
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') log.push(`console.${message.type()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => log.push(`pageerror: ${error.message}`))
  return page
}

/** A fresh context (its own storage, i.e. a new browser profile) with one page. */
export async function newContext(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  context.setDefaultTimeout(15_000)
  context.on('page', watch)
  const page = await context.newPage()
  return { context, page }
}

/**
 * The hooks every e2e file needs: one browser per file; per test a provider back to its defaults
 * and a fresh context (a new profile) with one page, handed to `use`.
 */
export function useBrowser(use: (context: BrowserContext, page: Page) => void, open: (browser: Browser) => Promise<{ context: BrowserContext; page: Page }> = newContext): void {
  let browser: Browser | undefined
  let context: BrowserContext | undefined
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })
  beforeEach(async () => {
    await resetProvider()
    const opened = await open(browser!)
    context = opened.context
    use(opened.context, opened.page)
  })
  afterEach(async ({ task }) => {
    const closed = await Promise.race([context?.close().then(() => true), new Promise<false>((resolve) => setTimeout(resolve, 15_000, false))])
    if (closed === false) {
      // Seen once in four full CI runs (after a sign-out test whose body had passed; cause not found):
      // closing the context hung for a minute. The next test gets a new browser, and the log says so.
      console.warn(`[e2e] context.close() still pending 15 s after "${task.name}": the browser is relaunched`)
      const stuck = browser
      browser = await launchBrowser()
      void stuck?.close().catch(() => {})
    }
    await resetProvider()
  })
}

/** Another tab in the same context (same storage, BroadcastChannel and Web Locks). */
export async function newTab(context: BrowserContext): Promise<Page> {
  return context.newPage()
}

/** Where the page is, the error it shows, and what it logged: for failure messages. */
async function describePage(page: Page): Promise<string> {
  const log = pageLogs.get(page) ?? []
  const shown = await testIdText(page, 'error')
  return [`at ${page.url()}`, shown ? `page shows error: ${shown}` : '', log.length ? `page log (last 10):\n  ${log.slice(-10).join('\n  ')}` : ''].filter(Boolean).join('\n')
}

// ---- the example app ------------------------------------------------------------------------

/** The status the app shows, or undefined while it is not rendered (e.g. mid-navigation). */
export async function status(page: Page): Promise<string | undefined> {
  try {
    return (await page.getByTestId('status').textContent({ timeout: 500 })) ?? undefined
  } catch {
    return undefined
  }
}

/** The text of a data-testid element, or undefined when it is not on the page. */
export async function testIdText(page: Page, testId: string): Promise<string | undefined> {
  try {
    return (await page.getByTestId(testId).textContent({ timeout: 500 })) ?? undefined
  } catch {
    return undefined
  }
}

/** Polls until fn() passes `until`; throws with the last value (and `describe()`) on timeout or when `fail` says so. */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  until: (value: T) => boolean,
  {
    timeout = 15_000,
    interval = 100,
    message = 'condition',
    describe = () => '',
    fail = () => false,
  }: {
    timeout?: number
    interval?: number
    message?: string
    describe?: () => string | Promise<string>
    /** A value after which waiting is pointless (e.g. a terminal error state). */
    fail?: (value: T) => boolean
  } = {},
): Promise<T> {
  const deadline = Date.now() + timeout
  let last: T | undefined
  for (;;) {
    last = await fn()
    if (until(last)) return last
    const failed = fail(last)
    if (failed || Date.now() >= deadline) {
      const why = failed ? 'gave up' : `timed out after ${timeout} ms`
      throw new Error(`${why} waiting for ${message}; last value: ${JSON.stringify(last)} ${await describe()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, interval))
  }
}

/**
 * Waits until the app shows one of the given statuses; fails at once on an unexpected `error` (it is
 * final). `signedIn` also waits for the snapshot's access token: a new tab's first frames, drawn from
 * the first-render hint, show signedIn before the store is read, without a token.
 */
export async function waitForStatus(page: Page, expected: Status | Status[], timeout = 20_000): Promise<string> {
  const wanted: string[] = Array.isArray(expected) ? expected : [expected]
  const value = (await waitFor(
    () => status(page),
    (value) => value !== undefined && wanted.includes(value),
    {
      timeout,
      message: `status ${wanted.join(' or ')}`,
      describe: () => describePage(page),
      fail: (value) => value === 'error',
    },
  ))!
  if (value === 'signedIn') {
    const hasToken = () => page.evaluate(() => Boolean((window.tabauth?.getSnapshot() as { accessToken?: string } | undefined)?.accessToken)).catch(() => false)
    await waitFor(hasToken, Boolean, { timeout, message: 'the signed-in snapshot to hold its access token (the store read after the hint)' })
  }
  return value
}

/**
 * Waits until the page has had no network activity for 500 ms (no request of the app in flight).
 * Not Playwright's 'networkidle': that resolves at once if the page was ever idle since it loaded,
 * and when it times out it does not say what was in flight.
 */
export async function settle(page: Page): Promise<void> {
  const seen = traffic.get(page)
  if (!seen) return void (await page.waitForLoadState('networkidle', { timeout: 15_000 }))
  const deadline = Date.now() + 15_000
  while (seen.inFlight.size > 0 || Date.now() - seen.lastAt < 500) {
    if (Date.now() > deadline) {
      const inFlight = [...seen.inFlight].map((request) => `${request.method()} ${request.url()}`)
      throw new Error(`the page had no 500 ms without network activity in 15 s; in flight: ${JSON.stringify(inFlight)}\n${await describePage(page)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Signs in like a user: opens `path` on the app, clicks "Sign in", lets the provider sign Alice in
 * (no clicks needed there) and waits until the app, back on its own origin, says `expected`
 * (signedIn; `error` for a sign-in the test makes fail).
 */
export async function signIn(page: Page, path = '/', expected: Status = 'signedIn'): Promise<void> {
  await page.goto(new URL(path, appUrl).href)
  await waitForStatus(page, 'signedOut')
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await waitForStatus(page, expected, 30_000)
}

export interface Snapshot {
  status: string
  code?: string
  /** The error's most likely reason (a getter on AuthError: read in the page). */
  reason?: string
  error?: string
  message?: string
  token?: string
  expiresAt?: number
}

/** What the page's client holds; status 'none' while the tab is between documents (e.g. redirected). */
export function snapshot(tab: Page): Promise<Snapshot> {
  return tab
    .evaluate(() => {
      if (!window.tabauth) return { status: 'none' }
      const state = window.tabauth.getSnapshot()
      const error = 'error' in state ? state.error : undefined
      return {
        status: state.status,
        code: error?.code,
        reason: error?.reason,
        error: error?.error,
        message: error?.message,
        token: state.status === 'signedIn' ? state.accessToken?.slice(-6) : undefined,
        expiresAt: state.status === 'signedIn' ? state.expiresAt : undefined,
      }
    })
    .catch((error: Error) => {
      if (/context was destroyed|navigat/i.test(error.message)) return { status: 'none' }
      throw error
    })
}

/**
 * What the demo is told about its server (localStorage `tabauth-demo:server`, read once at start: issuer,
 * scope, codeLifetimeSeconds, serverClock: false; see example/auth.ts), in every page of `context` on the app's origin.
 */
export async function demoServer(context: BrowserContext, server: Record<string, unknown>): Promise<void> {
  await context.addInitScript(([origin, value]) => location.origin === origin && localStorage.setItem('tabauth-demo:server', value), [appUrl, JSON.stringify({ issuer, ...server })] as const)
}

/** The access token's last 6 characters, as the app shows them. */
export function fingerprint(page: Page): Promise<string | undefined> {
  return testIdText(page, 'token-fingerprint')
}

export interface StoredRecord {
  v: number
  generation: number
  session: null | {
    tokens: { accessToken: string; refreshToken?: string; idToken?: string; expiresAt: number }
    user: Record<string, unknown>
  }
}

/**
 * The session record tabauth keeps in IndexedDB (database `tabauth`, store `sessions`, key
 * `${issuer} ${clientId}`), read in a page on the app's origin. Undefined when there is none.
 * It never creates the database: an empty one would stop the library's own upgrade.
 */
export async function storedRecord(page: Page, client = clientId): Promise<StoredRecord | undefined> {
  const result = await page.evaluate(async (key) => {
    const request = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
    const databases = await indexedDB.databases()
    if (!databases.some((database) => database.name === 'tabauth')) return { keys: [] as string[], value: undefined }
    const db = await request(indexedDB.open('tabauth'))
    try {
      if (!db.objectStoreNames.contains('sessions')) return { keys: [] as string[], value: undefined }
      const store = db.transaction('sessions', 'readonly').objectStore('sessions')
      const keys = (await request(store.getAllKeys())).map(String)
      const value = (await request(store.get(key))) as unknown
      return { keys, value }
    } finally {
      db.close()
    }
  }, `${issuer} ${client}`)
  if (result.value === undefined && result.keys.length > 0) {
    throw new Error(`no session record under ${JSON.stringify(`${issuer} ${client}`)}; keys: ${JSON.stringify(result.keys)}`)
  }
  return result.value as StoredRecord | undefined
}

/** The refresh token the app stored; throws when there is none. */
export async function readRefreshToken(page: Page, client = clientId): Promise<string> {
  const record = await storedRecord(page, client)
  const refreshToken = record?.session?.tokens.refreshToken
  if (typeof refreshToken !== 'string' || refreshToken === '') {
    throw new Error(`no refresh token stored; record: ${JSON.stringify(record)}`)
  }
  return refreshToken
}
