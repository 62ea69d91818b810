// The multi-tab scenarios, written once against the rig (engine.js) and run in every engine.
// Counts come from the provider's control API only; the pages say *which* tab did what, and when.
// Each scenario gets a fresh profile and a provider back to its defaults, and returns the line of
// provider counts that the runner prints in its table.
import assert from 'node:assert/strict'
import { describe, sleep, status, waitFor, waitForStatus } from './engine.js'

/** @typedef {{ profile: any, appUrl: string, engine: any, provider: ReturnType<typeof import('./control.js').control> }} Context */

export const scenarios = [
  { name: 'sign-in', title: 'sign-in (StrictMode): exactly one code exchange', run: signInOnce },
  { name: 'storm', title: 'storm: 5 tabs x 3 overlapping calls after expiry, 1 refresh, 15/15 one working token', run: storm },
  { name: 'new-tab', title: 'new tab: signed in with 0 requests', run: newTab },
  { name: 'sign-out', title: 'sign-out: every tab signed out within 1 s', run: signOut },
  { name: 'relay', title: 'relay: a different tab refreshes each round, 0 invalid_grant', run: relay },
  { name: 'dead-grant', title: 'dead grant: 1 request, every tab reloginRequired, 0 redirects', run: deadGrant },
  { name: 'frozen', title: 'frozen tab: resumes after 2 rotations with the current token', needs: 'pause', run: frozen },
]

// ---- page functions (self-contained: they run in the page) ----------------------------------

const snapshot = (tab) =>
  tab.evaluate(() => {
    const s = window.tabauth.getSnapshot()
    return { status: s.status, accessToken: s.accessToken, expiresAt: s.expiresAt, generation: s.generation, code: s.error?.code }
  })

const events = (tab) => tab.evaluate(() => window.__tabEvents)

/**
 * Makes the page report `visible` (or `hidden`) and fires `visibilitychange`, as a browser does.
 * `untilRefreshed`: the page turns hidden again on its own first `refreshed` event (so a slow
 * driver cannot leave it visible long enough to refresh twice).
 */
const setVisible = (tab, visible, untilRefreshed = false) =>
  tab.evaluate(
    ({ visible, untilRefreshed }) => {
      const show = (value) => {
        window.__tabVisible = value
        document.dispatchEvent(new Event('visibilitychange'))
      }
      show(visible)
      if (untilRefreshed) {
        const stop = window.tabauth.onEvent((event) => event.type === 'refreshed' && (stop(), show(false)))
      }
    },
    { visible, untilRefreshed },
  )

/** Clicks the app's "Sign in" after this evaluate returns (the click navigates away). */
async function clickSignIn(tab) {
  const found = await tab.evaluate(() => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Sign in')
    if (button) setTimeout(() => button.click())
    return Boolean(button)
  })
  assert.ok(found, `no "Sign in" button${await describe(tab)}`)
}

/**
 * Starts `times` getAccessToken() calls in each tab at one Date.now() deadline `at` (so they do
 * not arrive one driver round trip apart) and returns at once; `callsOf` reads what they did.
 */
async function startCalls(tabs, times, at = Date.now() + 200 * tabs.length) {
  for (const tab of tabs) {
    await tab.evaluate(
      ({ at, times }) => {
        window.__calls = Array.from({ length: times }, () => ({}))
        setTimeout(() => {
          for (const call of window.__calls) {
            call.start = Date.now()
            window.tabauth.getAccessToken().then(
              (token) => Object.assign(call, { end: Date.now(), result: token }),
              (error) => Object.assign(call, { end: Date.now(), result: `error: ${error.code ?? error.message}` }),
            )
          }
        }, at - Date.now())
      },
      { at, times },
    )
  }
}

const callsOf = (tab) => tab.evaluate(() => window.__calls)

/** Waits until every call in every tab has `field` (start or end); returns them per tab. */
function allCalls(tabs, field, message) {
  return waitFor(
    () => Promise.all(tabs.map(callsOf)),
    (all) => all.every((calls) => calls.every((call) => call[field] !== undefined)),
    { message },
  )
}

// ---- rig helpers ------------------------------------------------------------------------------

async function openTabs(ctx, count) {
  const tabs = []
  for (let i = 0; i < count; i++) tabs.push(await ctx.profile.newTab(ctx.appUrl))
  for (const tab of tabs) await waitForStatus(tab, 'signedOut')
  return tabs
}

/**
 * Opens `count` tabs, signs in on the first with access tokens of `ttl` seconds and waits until
 * every tab is signedIn (the others adopt the session). Later tokens last `ttlAfter` seconds.
 */
async function signedInTabs(ctx, count, { ttl = 300, ttlAfter = 300 } = {}) {
  const tabs = await openTabs(ctx, count)
  await ctx.provider.settings({ accessTokenTtl: ttl })
  await clickSignIn(tabs[0])
  await waitForStatus(tabs[0], 'signedIn', 30_000)
  await ctx.provider.settings({ accessTokenTtl: ttlAfter })
  for (const tab of tabs) await waitForStatus(tab, 'signedIn')
  return tabs
}

/** Waits until every tab's client holds the same signed-in token (other than `other`); returns it. */
async function sameToken(tabs, other) {
  const all = await waitFor(
    () => Promise.all(tabs.map(snapshot)),
    (all) => all.every((s) => s.status === 'signedIn' && s.accessToken && s.accessToken === all[0].accessToken && s.accessToken !== other),
    { timeout: 10_000, message: 'every tab to hold the same new signed-in token' },
  )
  return all[0].accessToken
}

/** When the last tab's access token expires (per the expiry each client holds). */
const expiry = async (tabs) => Math.max(...(await Promise.all(tabs.map(snapshot))).map((s) => s.expiresAt ?? 0))

/** Sleeps until every tab's access token has expired. */
async function untilExpired(tabs) {
  await sleep(Math.max(0, (await expiry(tabs)) + 50 - Date.now()))
}

/** Lets in-flight requests land before counts are final (nothing may follow, so this only waits). */
const settle = () => sleep(500)

const tokenRequests = (c) => Object.values(c.token).reduce((sum, grant) => sum + grant.success + grant.error, 0)
const invalidGrants = (c) => c.errors.filter((e) => e.error === 'invalid_grant').length
const line = (c) =>
  `code ${c.token.authorization_code.success}/${c.token.authorization_code.error}, refresh ${c.token.refresh_token.success}/${c.token.refresh_token.error}, invalid_grant ${invalidGrants(c)}, auth ${c.authorizations}`

// ---- the scenarios ------------------------------------------------------------------------------

/** @param {Context} ctx */
async function signInOnce(ctx) {
  const [tab] = await openTabs(ctx, 1)
  await ctx.provider.reset()
  await clickSignIn(tab)
  await waitForStatus(tab, 'signedIn', 30_000)
  await settle()
  const c = await ctx.provider.counts()
  assert.deepEqual(c.token.authorization_code, { success: 1, error: 0 }, 'exactly one code exchange')
  assert.equal(tokenRequests(c), 1)
  assert.equal(c.authorizations, 1)
  assert.deepEqual(c.errors, [])
  assert.equal(await tab.evaluate(() => document.querySelector('[data-testid="user-name"]')?.textContent), 'Alice Example')
  assert.equal(await tab.evaluate(() => location.pathname + location.search), '/', 'the callback URL is cleaned')
  return line(c)
}

/** @param {Context} ctx */
async function storm(ctx) {
  const tabs = await signedInTabs(ctx, 5, { ttl: 3, ttlAfter: 3 })
  const before = (await snapshot(tabs[0])).accessToken
  await ctx.provider.reset()
  // The refresh request (made by whichever tab asks first) is held at the provider
  // until all 15 calls have started: they overlap by construction, whatever the engine's timers
  // do, and the rig checks that they did.
  await ctx.provider.settings({ tokenFailure: { hang: true, times: 1 } })
  await untilExpired(tabs)
  await startCalls(tabs, 3)
  const started = await allCalls(tabs, 'start', '15 calls to start')
  await waitFor(
    () => ctx.provider.counts(),
    (c) => c.hanging === 1,
    { message: 'the refresh request to reach the provider' },
  )
  await ctx.provider.settings({ tokenFailure: null, accessTokenTtl: 300 }) // the new token outlasts the checks
  const calls = (await allCalls(tabs, 'end', '15 calls to end')).flat()

  await settle()
  const c = await ctx.provider.counts()
  assert.deepEqual(c.token.refresh_token, { success: 1, error: 0 }, 'exactly one refresh request')
  assert.equal(tokenRequests(c), 1)
  assert.deepEqual(c.errors, [])
  const lastStart = Math.max(...calls.map((call) => call.start))
  const firstEnd = Math.min(...calls.map((call) => call.end))
  assert.ok(lastStart <= firstEnd, `the calls overlapped: the last started ${lastStart - firstEnd} ms after the first ended`)
  const token = calls[0].result
  assert.notEqual(token, before)
  assert.deepEqual(
    calls.map((call) => call.result),
    Array(15).fill(token),
    '15/15 the same token',
  )
  for (const tab of tabs) assert.equal((await snapshot(tab)).accessToken, token)
  assert.deepEqual(await ctx.provider.userinfo(token), { status: 200, name: 'Alice Example' }, 'the token works')
  const spread = Math.max(...started.flat().map((call) => call.start)) - Math.min(...started.flat().map((call) => call.start))
  return `${line(c)}; 15/15 same token, starts spread ${spread} ms`
}

/** @param {Context} ctx */
async function newTab(ctx) {
  const tabs = await signedInTabs(ctx, 5)
  const token = (await snapshot(tabs[0])).accessToken
  await ctx.provider.reset()
  const sixth = await ctx.profile.newTab(ctx.appUrl)
  await waitForStatus(sixth, 'signedIn')
  await settle()
  assert.equal((await snapshot(sixth)).accessToken, token)
  const c = await ctx.provider.counts()
  assert.equal(tokenRequests(c), 0, 'no token request')
  assert.equal(c.authorizations, 0, 'no authorization request')
  return line(c)
}

/** @param {Context} ctx */
async function signOut(ctx) {
  const [leaving, ...others] = await signedInTabs(ctx, 4)
  // Each tab notes when it *shows* signedOut (a MutationObserver: no timers involved).
  for (const tab of others) {
    await tab.evaluate(() => {
      const shown = () => document.querySelector('[data-testid="status"]')?.textContent === 'signedOut'
      new MutationObserver((_, observer) => {
        if (shown() && !window.__signedOutAt) {
          window.__signedOutAt = Date.now()
          observer.disconnect()
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
  }
  await ctx.provider.reset()
  const loggedOutAt = await leaving.evaluate(() => {
    const at = Date.now()
    void window.tabauth.logout({ localOnly: true })
    return at
  })
  const seen = await waitFor(
    () => Promise.all(others.map((tab) => tab.evaluate(() => window.__signedOutAt))),
    (all) => all.every(Boolean),
    {
      timeout: 5000,
      message: 'every other tab to show signedOut',
    },
  )
  const after = seen.map((at) => at - loggedOutAt)
  for (const [i, ms] of after.entries()) assert.ok(ms <= 1000, `tab ${i + 2} showed signedOut ${ms} ms after the logout`)
  await waitForStatus(leaving, 'signedOut')
  await settle()
  const c = await ctx.provider.counts()
  assert.equal(tokenRequests(c), 0)
  return `${line(c)}, revocations ${c.revocations}; others signed out after ${after.join('/')} ms`
}

/** @param {Context} ctx */
async function relay(ctx, rounds = 6) {
  // 2 s tokens: a round has 1.5 s before the token is stale, 2 s before every tab asks by itself.
  const tabs = await signedInTabs(ctx, 4, { ttl: 2, ttlAfter: 2 })
  // Start the rounds on a token just made.
  await untilExpired(tabs)
  await startCalls(tabs, 1)
  let token = await sameToken(tabs, (await snapshot(tabs[0])).accessToken)
  await ctx.provider.reset()
  let last = -1
  const log = []
  for (let round = 0; round < rounds; round++) {
    // Every 5th round all tabs ask at once after expiry; otherwise one tab other than the last
    // refresher asks ahead of expiry (while the token is stale: the last quarter of its life),
    // by its own timer (made visible) or by calling getAccessToken(), in turn.
    const mode = round % 5 === 4 ? 'all' : round % 2 === 0 ? 'timer' : 'call'
    const others = tabs.map((_, i) => i).filter((i) => i !== last)
    const chosen = mode === 'all' ? -1 : others[round % others.length]
    const since = Date.now()
    if (mode === 'timer') {
      await setVisible(tabs[chosen], true, true)
    } else if (mode === 'call') {
      await startCalls([tabs[chosen]], 1, (await expiry(tabs)) - 250)
    } else {
      await untilExpired(tabs)
      await startCalls(tabs, 1)
    }
    token = await sameToken(tabs, token).catch((error) => {
      throw new Error(`round ${round} ${mode} (chose ${chosen}): ${error.message}\n${log.join('\n')}`)
    })
    const refreshers = []
    for (const [i, tab] of tabs.entries()) if ((await events(tab)).some((e) => e.type === 'refreshed' && e.at >= since)) refreshers.push(i)
    const c = await ctx.provider.counts()
    log.push(`round ${round} ${mode}: chose ${chosen}, refreshed by ${refreshers.join(',')}, refresh ${c.token.refresh_token.success}/${c.token.refresh_token.error}`)
    const why = log.join('\n')
    assert.equal(refreshers.length, 1, why)
    if (mode !== 'all') assert.equal(refreshers[0], chosen, why)
    if (mode !== 'all') assert.notEqual(refreshers[0], last, why)
    assert.deepEqual(c.token.refresh_token, { success: round + 1, error: 0 }, why)
    last = refreshers[0]
  }
  await settle()
  const c = await ctx.provider.counts()
  assert.equal(invalidGrants(c), 0)
  assert.deepEqual(c.token.refresh_token, { success: rounds, error: 0 })
  return `${line(c)} over ${rounds} rounds`
}

/** @param {Context} ctx */
async function deadGrant(ctx) {
  const tabs = await signedInTabs(ctx, 5, { ttl: 3, ttlAfter: 3 })
  for (const tab of tabs) await tab.evaluate(() => void (window.__sameDocument = true))
  await ctx.provider.revoke('alice')
  await ctx.provider.reset()
  await untilExpired(tabs)
  await startCalls(tabs, 1)
  const calls = (await allCalls(tabs, 'end', 'every call to end')).flat()
  assert.deepEqual(
    calls.map((call) => call.result),
    Array(5).fill('error: LOGIN_REQUIRED'),
  )
  for (const tab of tabs) await waitForStatus(tab, 'reloginRequired', 1000)
  await sleep(1000) // a redirect or retry loop would start within this second
  const c = await ctx.provider.counts()
  assert.equal(tokenRequests(c), 1, 'exactly one refresh attempt')
  assert.equal(invalidGrants(c), 1)
  assert.equal(c.authorizations, 0, 'no redirect to the provider')
  for (const tab of tabs) {
    assert.equal(await status(tab), 'reloginRequired')
    assert.equal(await tab.evaluate(() => window.__sameDocument), true, 'the tab never navigated')
  }
  return line(c)
}

/** @param {Context} ctx */
async function frozen(ctx) {
  // 3 s tokens: the visible tab refreshes by itself every ~2.25 s.
  const [active, frozenTab] = await signedInTabs(ctx, 2, { ttl: 3, ttlAfter: 3 })
  const stale = (await snapshot(frozenTab)).accessToken
  // The tab stops in a task that, once resumed, asks for a token at once: before the queued
  // channel messages let it re-read the store, so only the re-read under the lock protects it.
  await frozenTab.pause(() => {
    setTimeout(() => {
      // eslint-disable-next-line no-debugger
      debugger
      window.__onResume = window.tabauth.getAccessToken().then((token) => (window.__resumed = token))
    })
  })
  const frozenAt = Date.now()
  await ctx.provider.reset()
  await setVisible(active, true)
  const refreshes = (n) =>
    waitFor(
      () => ctx.provider.counts(),
      (c) => c.token.refresh_token.success >= n,
      { message: `${n} refresh(es)` },
    )
  await refreshes(1)
  await ctx.provider.settings({ accessTokenTtl: 300 }) // the second rotation's token lasts
  await refreshes(2)
  await setVisible(active, false)
  const current = await sameToken([active])
  const resumedAt = Date.now()
  await frozenTab.resume()
  const resumed = await waitFor(() => frozenTab.evaluate(() => window.__resumed), Boolean, { message: 'the resumed tab’s token' })
  assert.deepEqual(
    (await events(frozenTab)).filter((e) => e.at >= frozenAt && e.at < resumedAt),
    [],
    'it saw nothing while frozen',
  )
  assert.notEqual(resumed, stale)
  assert.equal(resumed, current)
  await settle()
  const c = await ctx.provider.counts()
  assert.deepEqual(c.errors, [])
  assert.deepEqual(c.token.refresh_token, { success: 2, error: 0 })
  assert.deepEqual(await ctx.provider.userinfo(resumed), { status: 200, name: 'Alice Example' })
  return line(c)
}
