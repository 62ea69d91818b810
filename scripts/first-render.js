#!/usr/bin/env node
// First render of a signed-in new tab, side by side (part of `npm run bench`, or alone):
// scripts/first-render/ built twice in production mode, once with tabauth (its session in IndexedDB,
// as the cross-tab guarantees need) and once as a baseline that reads a token from localStorage
// synchronously. Each run opens a new tab of an already signed-in app and takes performance.now()
// (from navigation start) when the page first renders `signedIn`. Runs alternate; medians are printed.
//
//   node scripts/first-render.js
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import react from '@vitejs/plugin-react'
import { chromium } from 'playwright-core'
import { build } from 'vite'
import { chromiumArgs, chromiumPath } from './lib/chromium.js'
import { serveStatic } from './lib/static-server.js'
import { startProvider } from './provider.js'

const RUNS = 9
const pageDir = resolve(import.meta.dirname, 'first-render')

async function buildPage(outDir, env) {
  Object.assign(process.env, env)
  await build({
    configFile: false,
    logLevel: 'warn',
    root: pageDir,
    plugins: [react()],
    resolve: {
      alias: [
        { find: /^tabauth$/, replacement: resolve(import.meta.dirname, '../src/index.ts') },
        { find: /^tabauth\/([\w-]+)$/, replacement: `${resolve(import.meta.dirname, '../src')}/$1/index.ts` },
      ],
    },
    build: { outDir, emptyOutDir: true },
  })
}

/** Opens a new tab in `context` and resolves to the time its first `signedIn` render took. */
async function newTab(context, url) {
  const page = await context.newPage()
  try {
    await page.goto(url)
    await page.waitForFunction(() => window.__signedInAt !== undefined, undefined, { timeout: 15_000 })
    return await page.evaluate(() => ({ navigation: window.__signedInAt, script: window.__signedInAfterScript }))
  } finally {
    await page.close()
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function firstRender(browser) {
  const work = mkdtempSync(join(tmpdir(), 'tabauth-first-render-'))
  const tabauthServer = await serveStatic(join(work, 'tabauth'))
  const baselineServer = await serveStatic(join(work, 'baseline'))
  const provider = await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [tabauthServer.url], quiet: true })
  const tabauthContext = await browser.newContext()
  const baselineContext = await browser.newContext()
  try {
    await buildPage(join(work, 'tabauth'), { VITE_VARIANT: 'tabauth', VITE_ISSUER: provider.issuer })
    await buildPage(join(work, 'baseline'), { VITE_VARIANT: 'baseline' })

    // Sign in once; every later tab of this context finds the session in IndexedDB.
    const first = await tabauthContext.newPage()
    await first.goto(tabauthServer.url)
    await first.getByRole('button', { name: 'Sign in', exact: true }).click()
    await first.waitForFunction(() => window.__signedInAt !== undefined, undefined, { timeout: 15_000 })
    await first.close()
    const seed = await baselineContext.newPage()
    await seed.goto(baselineServer.url)
    await seed.evaluate(() => localStorage.setItem('baseline:token', 'an-access-token'))
    await seed.close()

    const tabauth = []
    const baseline = []
    await newTab(tabauthContext, tabauthServer.url) // warm both: the first navigation of a context pays for caches
    await newTab(baselineContext, baselineServer.url)
    for (let i = 0; i < RUNS; i++) {
      tabauth.push(await newTab(tabauthContext, tabauthServer.url))
      baseline.push(await newTab(baselineContext, baselineServer.url))
    }
    const of = (samples, key) => median(samples.map((s) => s[key]))
    return {
      runs: RUNS,
      // From navigation start (what a user waits for) and from the page script's start (the library's own part).
      navigation: { tabauthMs: of(tabauth, 'navigation'), baselineMs: of(baseline, 'navigation') },
      afterScript: { tabauthMs: of(tabauth, 'script'), baselineMs: of(baseline, 'script') },
      samples: { tabauth, baseline },
      tokenRequests: provider.counts().token,
    }
  } finally {
    await tabauthContext.close()
    await baselineContext.close()
    await provider.close()
    await tabauthServer.close()
    await baselineServer.close()
    rmSync(work, { recursive: true, force: true })
  }
}

export function formatFirstRender({ runs, navigation, afterScript }) {
  const line = (what, { tabauthMs, baselineMs }) => {
    const gap = tabauthMs - baselineMs
    return `  ${what.padEnd(28)} tabauth ${tabauthMs.toFixed(1).padStart(6)} ms  localStorage baseline ${baselineMs.toFixed(1).padStart(6)} ms  gap ${gap.toFixed(1).padStart(6)} ms (${gap <= 20 ? 'within' : 'NOT within'} 20 ms)`
  }
  return [`first render of a signed-in new tab, median of ${runs}:`, line('navigation start → signedIn', navigation), line('script start → signedIn', afterScript)].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  try {
    const result = await firstRender(browser)
    for (const variant of ['tabauth', 'baseline']) {
      console.log(`${variant.padEnd(8)} samples (navigation / script): ${result.samples[variant].map((t) => `${t.navigation.toFixed(0)}/${t.script.toFixed(1)}`).join(' ')}`)
    }
    console.log(formatFirstRender(result))
  } finally {
    await browser.close()
  }
}
