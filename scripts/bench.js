#!/usr/bin/env node
// `npm run bench`: how tabauth behaves with 1..20 real tabs of one browser against the real
// provider (rotating refresh tokens). Not a test: it prints a table and writes bench-results/bench.json.
//
// For each tab count N: sign in, let the library's own timers refresh (every tab visible) through
// several short access-token lifetimes, and measure per expiry
//  - refresh requests at the provider (the point of the library: 1, whatever N),
//  - the time from the first refresh request of that expiry until every tab holds the new token,
// and a cold new tab's time from navigation start to its first token; then the first render of a
// signed-in new tab beside a localStorage baseline (scripts/first-render.js) and the entry sizes.
// Times come from Date.now() in the pages (all tabs share one clock); counts from the provider.
//
//   npm run bench                 CHROMIUM_PATH=/path/to/chromium npm run bench
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'
import { build, preview } from 'vite'
import { startProvider } from './provider.js'
import { chromiumArgs, chromiumPath } from './lib/chromium.js'
import { freePort } from './lib/free-port.js'
import { firstRender, formatFirstRender } from './first-render.js'
import { sizes } from './size.js'

const root = resolve(import.meta.dirname, '..')
const TAB_COUNTS = [1, 2, 5, 10, 20]
const TTL = 3 // seconds: a visible tab refreshes at 3/4 of it, so one expiry every ~2.25 s
const EXPIRIES = 5 // per tab count
const COLD_TABS = 3 // per tab count

/**
 * Runs in every page before the app: records the client's events, the moment each refresh_token
 * request is sent (the library looks `fetch` up at call time), and when the first token arrived.
 */
function instrument() {
  const bench = (window.__bench = { events: [], refreshRequests: [], firstToken: undefined })
  const fetch = window.fetch
  window.fetch = function (input, init) {
    const body = init?.body
    const grant = body instanceof URLSearchParams ? body.get('grant_type') : typeof body === 'string' ? new URLSearchParams(body).get('grant_type') : null
    if (grant === 'refresh_token') bench.refreshRequests.push(Date.now())
    return fetch.call(this, input, init)
  }
  // The app assigns `window.tabauth = client` once, when the client is created.
  Object.defineProperty(window, 'tabauth', {
    configurable: true,
    set(client) {
      Object.defineProperty(window, 'tabauth', { value: client, configurable: true, writable: true })
      client.onEvent((event) => bench.events.push({ type: event.type, generation: event.generation, at: Date.now() }))
      client.getAccessToken().then(
        () => (bench.firstToken = performance.now()), // performance.now() counts from navigation start
        () => {},
      )
    },
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function until(fn, what, timeout = 30_000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const median = (xs) => quantile(xs, 0.5)
/** Nearest-rank quantile. */
function quantile(xs, q) {
  if (!xs.length) return NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** The status the app shows. A locator, not page.evaluate: an evaluate sent while the page navigates to the provider and back can hang. */
const statusOf = (page) =>
  page
    .getByTestId('status')
    .textContent({ timeout: 500 })
    .catch(() => undefined)
const benchOf = (page) => page.evaluate(() => window.__bench)

/** Groups request times into expiries: requests less than a second apart answer the same expiry. */
function bursts(times) {
  const groups = []
  for (const t of [...times].sort((a, b) => a - b)) {
    const last = groups.at(-1)
    if (last && t - last.at(-1) < 1000) last.push(t)
    else groups.push([t])
  }
  return groups
}

async function measure(browser, provider, appUrl, n) {
  const context = await browser.newContext()
  await context.addInitScript(instrument)
  try {
    // Open the other tabs first, then sign in on one: the others adopt the session.
    const tabs = await Promise.all(Array.from({ length: n }, () => context.newPage()))
    await Promise.all(tabs.map((tab) => tab.goto(appUrl)))
    await Promise.all(tabs.map((tab) => until(async () => (await statusOf(tab)) === 'signedOut', 'signedOut')))
    provider.settings({ accessTokenTtl: TTL })
    await tabs[0].getByRole('button', { name: 'Sign in', exact: true }).click()
    await Promise.all(tabs.map((tab) => until(async () => (await statusOf(tab)) === 'signedIn', 'every tab signed in')))
    provider.reset()
    const start = Date.now()

    // Let EXPIRIES refreshes happen by the library's timers, then stop the cycle.
    const requestTimes = async () => (await Promise.all(tabs.map(benchOf))).flatMap((b) => b.refreshRequests.filter((t) => t >= start))
    await until(async () => bursts(await requestTimes()).length >= EXPIRIES, `${EXPIRIES} expiries`, EXPIRIES * TTL * 1000 + 20_000)
    provider.settings({ accessTokenTtl: 300 }) // the next refresh brings a long token: no more expiries
    await until(async () => bursts(await requestTimes()).length >= EXPIRIES + 1, 'the long-lived token')
    await sleep(500)
    const counted = provider.counts().token.refresh_token
    const requests = counted.success + counted.error
    const benches = await Promise.all(tabs.map(benchOf))
    const groups = bursts(benches.flatMap((b) => b.refreshRequests.filter((t) => t >= start)))

    // Per expiry: from its first refresh request until the last tab holds the generation it made.
    const updated = []
    for (const [i, group] of groups.slice(0, EXPIRIES).entries()) {
      const end = groups[i + 1]?.[0] ?? Infinity
      const made = benches.flatMap((b) => b.events).filter((e) => e.type === 'refreshed' && e.at >= group[0] && e.at < end)
      if (!made.length) continue
      const generation = Math.max(...made.map((e) => e.generation))
      const held = benches.map((b) => b.events.find((e) => (e.type === 'refreshed' || e.type === 'adopted') && e.generation >= generation)?.at)
      if (held.every((at) => at !== undefined)) updated.push(Math.max(...held) - group[0])
    }

    // Cold tabs, one at a time, on the now long-lived session.
    const cold = []
    for (let i = 0; i < COLD_TABS; i++) {
      const tab = await context.newPage()
      await tab.goto(appUrl)
      cold.push(Math.round(await until(async () => (await benchOf(tab)).firstToken, 'the cold tab’s first token')))
      await tab.close()
    }
    return {
      tabs: n,
      expiries: groups.length - 1, // the last group is the refresh that brought the long-lived token
      refreshRequests: requests - groups.at(-1).length,
      refreshesPerExpiry: (requests - groups.at(-1).length) / (groups.length - 1),
      errors: provider.counts().errors.length,
      allTabsUpdatedMs: { median: median(updated), p95: quantile(updated, 0.95), samples: updated },
      coldTabFirstTokenMs: { median: median(cold), samples: cold },
    }
  } finally {
    await context.close()
  }
}

async function main() {
  const startedAt = Date.now()
  const appPort = await freePort()
  const appUrl = `http://127.0.0.1:${appPort}`
  const provider = await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [appUrl], quiet: true })
  const outDir = mkdtempSync(join(tmpdir(), 'tabauth-bench-'))
  const configFile = join(root, 'example/vite.config.ts')
  let server
  let browser
  try {
    // A production build of the demo app: timings without the dev server's on-demand transforms.
    process.env.VITE_ISSUER = provider.issuer
    await build({ configFile, logLevel: 'warn', build: { outDir, emptyOutDir: true } })
    server = await preview({ configFile, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: appPort, strictPort: true } })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })

    const results = []
    for (const n of TAB_COUNTS) {
      process.stdout.write(`${n} tab(s)... `)
      const result = await measure(browser, provider, appUrl, n)
      results.push(result)
      console.log(`${result.expiries} expiries, ${result.refreshRequests} refresh requests`)
    }
    process.stdout.write('first render... ')
    const render = await firstRender(browser)
    console.log('done')
    const size = await sizes()

    const ms = (x) => (Number.isFinite(x) ? `${Math.round(x)} ms` : '—')
    console.log()
    console.log('tabs  refreshes/expiry  all-tabs-updated median     p95   cold tab first token median')
    for (const r of results) {
      console.log(
        `${String(r.tabs).padStart(4)}  ${r.refreshesPerExpiry.toFixed(2).padEnd(16)}  ${ms(r.allTabsUpdatedMs.median).padStart(23)}  ${ms(r.allTabsUpdatedMs.p95).padStart(6)}   ${ms(r.coldTabFirstTokenMs.median).padStart(27)}`,
      )
    }
    console.log()
    console.log(formatFirstRender(render))
    console.log()
    for (const { label, minified, gzip, addsGzip } of size) {
      console.log(
        `size: ${label.padEnd(24)} ${(minified / 1024).toFixed(1)} kB min, ${(gzip / 1024).toFixed(1)} kB gzip${addsGzip === undefined ? '' : `, +${(addsGzip / 1024).toFixed(1)} kB gzip beside tabauth`}`,
      )
    }
    const errors = results.reduce((sum, r) => sum + r.errors, 0)
    if (errors) console.log(`\n${errors} token endpoint error(s) during the bench: see bench-results/bench.json`)

    mkdirSync(join(root, 'bench-results'), { recursive: true })
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      chromium: browser.version(),
      accessTokenTtlSeconds: TTL,
      results,
      firstRender: render,
      size,
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    }
    writeFileSync(join(root, 'bench-results/bench.json'), JSON.stringify(report, null, 2) + '\n')
    console.log(`\nwrote bench-results/bench.json (${report.durationSeconds} s)`)
  } finally {
    await browser?.close()
    await server?.close()
    await provider.close()
    rmSync(outDir, { recursive: true, force: true })
  }
}

await main()
