#!/usr/bin/env node
// The multi-tab scenarios (test/engines/scenarios.js) in every engine: Chromium (playwright-core),
// Firefox ESR (puppeteer-core, WebDriver BiDi) and WebKitGTK (WebKitWebDriver under xvfb-run),
// against the real dev provider and a production build of the example app. Engines run one after
// another (one provider, whose counts each scenario resets). Prints a scenario x engine table with
// the provider's counts and writes .test-results/engines.json = { passed, failed, skipped }.
//
//   node scripts/engines.js [--engine chromium|firefox|webkit]... [--scenario NAME]...
//   npm test -- --suite engines --engine firefox
import { readFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize, resolve } from 'node:path'
import { build } from 'vite'
import { startProvider } from './provider.js'
import { control } from '../test/engines/control.js'
import { instrument } from '../test/engines/engine.js'
import { scenarios } from '../test/engines/scenarios.js'

const root = resolve(import.meta.dirname, '..')
const ENGINES = ['chromium', 'firefox', 'webkit']
const SCENARIO_TIMEOUT_MS = 90_000

function parseArgs(argv) {
  const picked = { engines: [], scenarios: [] }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2)
    const key = flag === '--engine' ? 'engines' : flag === '--scenario' ? 'scenarios' : undefined
    if (!key) continue // '--' and flags meant for other suites
    picked[key].push(...(inline ?? argv[++i] ?? '').split(',').filter(Boolean))
  }
  for (const name of picked.engines) if (!ENGINES.includes(name)) throw new Error(`no engine "${name}": ${ENGINES.join(', ')}`)
  for (const name of picked.scenarios) if (!scenarios.some((s) => s.name === name)) throw new Error(`no scenario "${name}": ${scenarios.map((s) => s.name).join(', ')}`)
  return {
    engines: picked.engines.length ? picked.engines : ENGINES,
    scenarios: picked.scenarios.length ? scenarios.filter((s) => picked.scenarios.includes(s.name)) : scenarios,
  }
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' }

/** Serves the built app; unknown paths (e.g. /callback) get index.html, which loads the rig's instrumentation first. */
function appServer(dir) {
  const page = () => readFileSync(join(dir, 'index.html'), 'utf8').replace('<head>', `<head><script>(${instrument})()</script>`)
  return createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    const file = join(dir, path)
    let isFile = false
    try {
      isFile = path !== '/' && statSync(file).isFile()
    } catch {}
    response.setHeader('cache-control', 'no-store')
    if (isFile) {
      response.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      response.end(readFileSync(file))
    } else {
      response.setHeader('content-type', 'text/html')
      response.end(page())
    }
  })
}

/** WebDriver's word for a session whose browser process crashed or hung: not a result of the scenario. */
const SESSION_LOST = /invalid session id|session deleted because of page crash/i

function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

async function runEngine(name, picked, appUrl, provider) {
  const results = []
  const started = Date.now()
  let engine
  try {
    const driver = await import(`../test/engines/${name}.js`)
    engine = await withTimeout(driver.launch(), 60_000, `launching ${name}`)
  } catch (error) {
    console.log(`  ✗ ${name} did not start: ${error.message}`)
    return { name, version: '(did not start)', seconds: 0, results: picked.map((s) => ({ scenario: s.name, outcome: 'failed', detail: `engine did not start: ${error.message}` })) }
  }
  console.log(`\n${name}`)
  for (const scenario of picked) {
    if (scenario.needs === 'pause' && engine.pause !== true) {
      results.push({ scenario: scenario.name, outcome: 'skipped', detail: engine.pause })
      console.log(`  - ${scenario.name}: skipped (${engine.pause})`)
      continue
    }
    for (let attempt = 1; ; attempt++) {
      const t0 = Date.now()
      let profile
      try {
        await provider.defaults()
        profile = await engine.newProfile()
        const detail = await withTimeout(scenario.run({ profile, appUrl, engine, provider }), SCENARIO_TIMEOUT_MS, scenario.name)
        results.push({ scenario: scenario.name, outcome: 'passed', detail, ms: Date.now() - t0, attempts: attempt })
        console.log(`  ✓ ${scenario.title} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${detail}`)
        break
      } catch (error) {
        const counts = await provider.counts().catch(() => undefined)
        // The browser's own session died (seen once: WebKitGTK, "session deleted because of page crash
        // or hang" while opening a window): the scenario runs once more in a new profile, and says so.
        if (attempt === 1 && SESSION_LOST.test(error.message)) {
          console.log(`  ! ${scenario.title}: the browser session was lost (${error.message}); provider counts ${JSON.stringify(counts)}; once more in a new profile`)
          continue
        }
        results.push({ scenario: scenario.name, outcome: 'failed', detail: error.message, ms: Date.now() - t0, attempts: attempt })
        console.log(`  ✗ ${scenario.title} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n    ${error.stack?.replace(/\n/g, '\n    ')}\n    provider counts: ${JSON.stringify(counts)}`)
        break
      } finally {
        await profile?.close().catch(() => {})
      }
    }
  }
  await engine.close().catch(() => {})
  return { name, version: engine.version, seconds: Math.round((Date.now() - started) / 1000), results }
}

function printTable(runs, picked) {
  const cell = (r) => (r.outcome === 'passed' ? (r.attempts > 1 ? 'ok, 2nd' : 'ok') : r.outcome === 'skipped' ? 'skipped' : 'FAIL')
  const width = Math.max(...picked.map((s) => s.name.length))
  console.log(`\n${'scenario'.padEnd(width)}  ${runs.map((run) => run.name.padEnd(9)).join('  ')}`)
  for (const s of picked) console.log(`${s.name.padEnd(width)}  ${runs.map((run) => cell(run.results.find((r) => r.scenario === s.name)).padEnd(9)).join('  ')}`)
  console.log('\nprovider counts (code/refresh = success/error) per scenario and engine:')
  for (const s of picked) {
    for (const run of runs) {
      const r = run.results.find((x) => x.scenario === s.name)
      console.log(`  ${s.name.padEnd(width)}  ${run.name.padEnd(8)}  ${r.outcome === 'passed' ? r.detail : `${r.outcome}: ${r.detail.split('\n')[0]}`}`)
    }
  }
  console.log(`\n${runs.map((run) => `${run.version}: ${run.seconds} s`).join('; ')}`)
}

async function main() {
  const picked = parseArgs(process.argv.slice(2))
  const outDir = mkdtempSync(join(tmpdir(), 'tabauth-engines-'))
  const server = appServer(outDir)
  await new Promise((done) => server.listen(0, '127.0.0.1', done))
  const appUrl = `http://127.0.0.1:${server.address().port}`
  const op = await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [appUrl], quiet: true })
  const runs = []
  try {
    process.env.VITE_ISSUER = op.issuer
    await build({ configFile: join(root, 'example/vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
    const provider = control(op.issuer)
    for (const name of picked.engines) runs.push(await runEngine(name, picked.scenarios, appUrl, provider))
  } finally {
    await op.close()
    server.close()
    server.closeAllConnections()
    rmSync(outDir, { recursive: true, force: true })
  }
  printTable(runs, picked.scenarios)
  const all = runs.flatMap((run) => run.results)
  const count = (outcome) => all.filter((r) => r.outcome === outcome).length
  const failures = runs.flatMap((run) => run.results.filter((r) => r.outcome === 'failed').map((r) => `${run.name} ${r.scenario}: ${String(r.detail).split('\n')[0]}`))
  const summary = { passed: count('passed'), failed: count('failed'), skipped: count('skipped'), failures }
  mkdirSync(join(root, '.test-results'), { recursive: true })
  writeFileSync(join(root, '.test-results/engines.json'), JSON.stringify({ ...summary, engines: runs }, null, 2) + '\n')
  const twice = all.filter((r) => r.attempts > 1).length
  console.log(`engines: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped${twice ? `; ${twice} run twice after the browser session was lost` : ''}`)
  process.exitCode = summary.failed ? 1 : 0
}

await main()
