// A frozen lock holder, in real Chromium tabs against the real provider: the tab that sends the refresh
// is paused by the debugger (CDP `Debugger.pause`) right when its request goes out, the provider answers
// at once, and the tab resumes only after 30 s, long past the access
// token's expiry and the 10 s request timeout. The answer that arrived must be read and stored: every
// tab ends with the same new token after exactly one refresh request, with no invalid_grant. Meanwhile
// the other tabs keep asking for tokens: none of them sends anything, and none shows `signedIn` with an
// expired token (they show `outage` REFRESH_PENDING until the new session arrives).
// Counts come from the provider; what each tab showed is sampled in the tab itself (init script).
import type { BrowserContext, CDPSession, Page, Request, Route } from 'playwright-core'
import { expect, test } from 'vitest'
import { counts, issuer, reset, settings, signIn, useBrowser, waitFor, waitForStatus, type Counts } from './helpers.ts'

let context: BrowserContext
let page: Page
useBrowser((c, p) => ((context = c), (page = p)))

// ---- what the tabs show, sampled in each tab -------------------------------------------------------

interface Sample {
  at: number
  /** The status and error testids (what a user sees). */
  shown?: string
  error?: string
  /** The client's snapshot: its token's fingerprint and expiry when signedIn. */
  token?: string
  expiresAt?: number
}

interface Call {
  at: number
  done: number
  token?: string
  code?: string
}

declare global {
  interface Window {
    __samples?: Sample[]
    __calls?: Call[]
  }
}

/**
 * Init script: every 20 ms, what the tab shows and the token its client holds (a new line only when
 * something changed, plus one line per second so that gaps show a frozen tab).
 */
function sampleTab() {
  const samples: Sample[] = (window.__samples = [])
  let last = ''
  let lastAt = 0
  setInterval(() => {
    const shown = document.querySelector('[data-testid=status]')?.textContent ?? undefined
    const error = document.querySelector('[data-testid=error]')?.textContent ?? undefined
    const state = window.tabauth?.getSnapshot()
    const signedIn = state?.status === 'signedIn'
    const sample = { at: Date.now(), shown, error, token: signedIn ? state.accessToken?.slice(-6) : undefined, expiresAt: signedIn ? state.expiresAt : undefined }
    const key = JSON.stringify({ ...sample, at: 0 })
    if (key === last && sample.at - lastAt < 1000) return
    last = key
    lastAt = sample.at
    samples.push(sample)
  }, 20)
}

/** getAccessToken() once a second in this tab, each call's outcome recorded (the tab "keeps asking"). */
function keepAsking() {
  const calls: Call[] = (window.__calls = [])
  setInterval(() => {
    const at = Date.now()
    window.tabauth.getAccessToken().then(
      (token) => calls.push({ at, done: Date.now(), token: token.slice(-6) }),
      (error: { code?: string }) => calls.push({ at, done: Date.now(), code: error.code }),
    )
  }, 1000)
}

const read = (tab: Page) => tab.evaluate(() => ({ samples: window.__samples ?? [], calls: window.__calls ?? [] }))

function snapshot(tab: Page) {
  return tab.evaluate(() => {
    const state = window.tabauth.getSnapshot()
    return { status: state.status, token: state.status === 'signedIn' ? state.accessToken?.slice(-6) : undefined, code: 'error' in state ? state.error?.code : undefined }
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const isTokenEndpoint = (url: URL) => url.origin === new URL(issuer).origin && url.pathname === '/token'

/** One line per test with what was measured, for the CI log. */
function report(scenario: string, data: Record<string, unknown>): void {
  console.log(`[refusals] ${scenario}: ${JSON.stringify(data)}`)
}

// 14 s tokens: the tabs' own refresh comes a quarter of the lifetime before expiry (10.5 s after the
// token was issued), and the token then expires 3.5 s into the freeze: most of the freeze is spent
// with an expired token. The first refresh after the 5 tabs show signedIn is the one frozen; one
// during a slow setup goes through like any other.
const TTL = 14
const TABS = 5

test.each([
  { freezeMs: 30_000, name: '30 s: past the request timeout (10 s) and the lock wait (20 s)' },
  // A 12 s freeze (past the request timeout only) passed too (21 s of CI time): the unit tests in
  // test/unit/refusals.test.ts cover that case with a fake clock.
])(
  'the lock holder frozen for $name right after its refresh was sent: the answer is kept, one refresh, every tab on the new token',
  async ({ freezeMs }) => {
    await context.addInitScript(sampleTab)
    // Every refresh request is seen here before it leaves the browser. The first one is let through
    // only once its tab is paused, so that the provider's immediate answer reaches a frozen tab (paused
    // after the request had gone out, the tab might otherwise read a 2 ms answer before the pause lands).
    let holder: Page | undefined
    // Set once the 5 tabs show signedIn: a refresh before that (a loaded machine's slow setup: once
    // 11.6 s for sign-in and 4 tabs) goes through as any refresh would, and the next one is frozen.
    let armed = false
    let cdp: CDPSession | undefined
    let frozenAt: number | undefined
    let resumedAt: number | undefined
    const refreshes: Array<{ tab: number; at: number }> = []
    const tabs: Page[] = [page]
    await context.route(isTokenEndpoint, async (route: Route) => {
      const request = route.request()
      if (request.method() !== 'POST' || !/grant_type=refresh_token/.test(request.postData() ?? '')) return route.continue()
      const from = request.frame().page()
      if (!armed) return route.continue()
      refreshes.push({ tab: tabs.indexOf(from), at: Date.now() })
      if (!holder) {
        holder = from
        // The new token, when it comes, lasts: nothing else happens after the resume.
        await settings({ accessTokenTtl: 300 })
        cdp = await context.newCDPSession(from)
        await cdp.send('Debugger.enable')
        const paused = new Promise((resolve) => cdp!.once('Debugger.paused', resolve))
        await cdp.send('Debugger.pause')
        // Debugger.pause stops at the next JavaScript statement: run one now (it returns on resume).
        void cdp.send('Runtime.evaluate', { expression: 'void 0' }).catch(() => {})
        await paused
        frozenAt = Date.now()
      }
      await route.continue()
    })
    // Requests of the other tabs to the provider while the holder is frozen (the demo's count panel, /__test/*, aside).
    const sentWhileFrozen: string[] = []
    context.on('request', (request: Request) => {
      const url = new URL(request.url())
      if (frozenAt === undefined || resumedAt !== undefined || url.origin !== new URL(issuer).origin || url.pathname.startsWith('/__test/')) return
      if (request.frame().page() !== holder) sentWhileFrozen.push(`tab ${tabs.indexOf(request.frame().page())}: ${request.method()} ${url.pathname}`)
    })

    await settings({ accessTokenTtl: TTL })
    await reset()
    await signIn(page)
    for (let i = 1; i < TABS; i++) tabs.push(await context.newPage())
    await Promise.all(tabs.slice(1).map((tab) => tab.goto(page.url())))
    await Promise.all(tabs.map((tab) => waitForStatus(tab, 'signedIn')))
    const atArm = await counts()
    armed = true
    await Promise.all(tabs.map((tab) => tab.evaluate(keepAsking)))

    // The tabs' own timers refresh at 6 s; one of them wins the lock and sends the request, and is frozen.
    await waitFor(
      () => frozenAt,
      (at) => at !== undefined,
      {
        timeout: TTL * 1000 + 5_000,
        message: 'a refresh request from one tab, and that tab paused by the debugger',
        describe: () => `refresh requests seen: ${JSON.stringify(refreshes)}`,
      },
    )
    const holderIndex = tabs.indexOf(holder!)
    const others = tabs.filter((tab) => tab !== holder)
    // The token being refreshed, as every tab holds it: no other tab can change it while the holder has the lock.
    const first = await snapshot(others[0]!)
    const expiresAt = await others[0]!.evaluate(() => (window.tabauth.getSnapshot() as { expiresAt: number }).expiresAt)
    // The provider answers at once: the request is counted while the tab is still frozen.
    await waitFor(
      () => counts(),
      (c) => c.token.refresh_token.success + c.token.refresh_token.error > atArm.token.refresh_token.success + atArm.token.refresh_token.error,
      {
        timeout: 5_000,
        message: "the provider to answer the frozen tab's refresh",
      },
    )

    await sleep(Math.max(0, frozenAt! + freezeMs - Date.now())) // the freeze is the scenario
    const whileFrozen = since(atArm, await counts())
    resumedAt = Date.now()
    await cdp!.send('Debugger.resume')
    await cdp!.detach().catch(() => {})

    const ending = await waitFor(
      () => Promise.all(tabs.map(snapshot)),
      (s) => s.every((x) => x.status === 'signedIn' && x.token !== first.token && x.token === s[0]!.token),
      {
        timeout: 10_000,
        message: 'every tab signed in with one new token after the resume',
        describe: async () => `counts: ${JSON.stringify((await counts()).token.refresh_token)}`,
      },
    )
    const settledAt = Date.now()
    await sleep(1_000) // a second refresh would follow the adoption at once
    const after = since(atArm, await counts())
    const records = await Promise.all(tabs.map(read))

    // While frozen, from the token's expiry on: what the other tabs showed.
    const graceMs = 500 // a tab switches on a timer at expiry; a loaded machine may run it a little late
    const expiredSignedIn = records.map((r, i) => (tabs[i] === holder ? [] : r.samples.filter((s) => s.shown === 'signedIn' && s.expiresAt !== undefined && s.at >= s.expiresAt + graceMs)))
    const frozenWindow = (s: { at: number }) => s.at >= expiresAt + graceMs && s.at < resumedAt!
    const shownWhileExpired = records.map((r, i) => (tabs[i] === holder ? [] : [...new Set(r.samples.filter(frozenWindow).map((s) => `${s.shown} ${s.error?.split(' ')[0] ?? ''}`.trim()))]))
    const callsWhileExpired = records.map((r, i) => (tabs[i] === holder ? [] : [...new Set(r.calls.filter(frozenWindow).map((c) => c.code ?? 'token'))]))
    const latestSignedInExpired = Math.max(
      0,
      ...records.flatMap((r, i) => (tabs[i] === holder ? [] : r.samples.filter((s) => s.shown === 'signedIn' && s.expiresAt !== undefined && s.at >= s.expiresAt).map((s) => s.at - s.expiresAt!))),
    )
    // The other tabs kept sampling during the freeze (they run in their own renderer): the largest gap between their samples.
    const gaps = records.map((r, i) => (tabs[i] === holder ? 0 : Math.max(0, ...r.samples.filter((s) => s.at > frozenAt! && s.at < resumedAt!).map((s, j, all) => (j ? s.at - all[j - 1]!.at : 0)))))
    const allSignedInMsAfterResume = settledAt - resumedAt
    report(`holder frozen ${freezeMs / 1000} s`, {
      holder: holderIndex,
      refreshRequests: after.token.refresh_token,
      atResume: whileFrozen.token.refresh_token,
      errors: after.errors.map((e) => (e as { error: string }).error),
      sentWhileFrozen,
      refreshesSeenInBrowser: refreshes,
      shownWhileExpired,
      callsWhileExpired,
      signedInWithExpiredTokenMsPastExpiry: latestSignedInExpired,
      allSignedInMsAfterResume,
      maxSampleGapMsInOtherTabs: Math.max(...gaps),
    })

    // On resume: every tab holds the same new token, from exactly one refresh request, and no invalid_grant.
    expect(new Set(ending.map((s) => s.token)).size).toBe(1)
    expect(after.token.refresh_token).toEqual({ success: 1, error: 0 })
    expect(after.errors.filter((e) => (e as { error: string }).error === 'invalid_grant')).toEqual([])
    expect(refreshes, 'refresh requests that left the browser').toHaveLength(1)
    // While frozen, the other tabs sent nothing to the provider and never showed signedIn with an expired token.
    expect(sentWhileFrozen).toEqual([])
    expect(Math.max(...gaps), 'the other tabs kept running during the freeze (largest gap between their samples)').toBeLessThan(2_000)
    for (const [i, bad] of expiredSignedIn.entries()) expect(bad, `tab ${i} showed signedIn with an expired token`).toEqual([])
    // What they showed instead: `outage` REFRESH_PENDING (the contract), until the new session came.
    for (const [i, shown] of shownWhileExpired.entries())
      if (tabs[i] !== holder) expect.soft(shown, `tab ${i}: what it showed while the token was expired and the holder frozen`).toEqual(['outage REFRESH_PENDING'])
    expect(allSignedInMsAfterResume).toBeLessThan(10_000)
    // The holder's own view after the resume: the token it stored, not a timeout.
    expect(await snapshot(holder!)).toMatchObject({ status: 'signedIn', token: ending[0]!.token })
    expect(others).toHaveLength(TABS - 1)
  },
  120_000,
)

/** The provider's refresh counts and errors from `before` to `now`. */
function since(before: Counts, now: Counts) {
  const refresh = { success: now.token.refresh_token.success - before.token.refresh_token.success, error: now.token.refresh_token.error - before.token.refresh_token.error }
  return { token: { refresh_token: refresh }, errors: now.errors.slice(before.errors.length) }
}
