// The scenario runner: scenarios.ts over a matrix of engine (Chromium, Firefox, WebKit) x server
// profile (scripts/lib/profiles.js). Started by scripts/scenarios.js (which bundles this TypeScript
// with esbuild); see there for the flags. One production build of the example app per run; per
// (engine, profile) one provider and one app server of its own, so that lanes never share counts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as chromium from '../engines/chromium.js'
import * as firefox from '../engines/firefox.js'
import * as webkit from '../engines/webkit.js'
import { PROFILES } from '../../scripts/lib/profiles.js'
import { CLIENT_ID, startProvider } from '../../scripts/provider.js'
import { buildApp, serveApp } from './app.ts'
import { countsLine, type BrowserProfile, type Counts, type Ctx, type Engine, type EngineName, type OpenOptions, type Provider, type ServerProfile, type Tab } from './rig.ts'
import { DEFAULT_PROFILE, scenarios, type Scenario } from './scenarios.ts'

const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit']
const DRIVERS: Record<EngineName, { launch(): Promise<unknown>; pause: true | string }> = { chromium, firefox, webkit }
const PROFILE_NAMES = Object.keys(PROFILES)
/** A scenario takes 5-40 s here; 3 minutes means it hangs, whatever the load. */
const SCENARIO_TIMEOUT_MS = 180_000
/**
 * The browser itself died, not the scenario: WebKitGTK's web process ("session deleted because of
 * page crash or hang", seen while a window opened; or a WebDriver command unanswered for 60 s, see
 * test/engines/webkit.js), a crashed Chromium or Firefox. Such a run is
 * retried once in a fresh browser profile (a new engine when the browser is gone), and counted.
 */
const BROWSER_LOST =
  /invalid session id|session deleted because of page crash|WebKit hangs|Target crashed|Page crashed|Browser has been closed|browser has disconnected|Target page, context or browser has been closed/i

interface Job {
  engine: EngineName
  profile: string
  scenario: Scenario
}

interface Run extends Omit<Job, 'scenario'> {
  scenario: string
  repeat: number
  outcome: 'passed' | 'failed'
  ms: number
  /** Runs lost to a browser crash before this one (0 or 1). */
  retried: number
  detail: string
}

function parseArgs(argv: string[]) {
  const picked = { engine: [] as string[], profile: [] as string[], scenario: [] as string[], matrix: 'default', repeat: 1, parallel: 3, list: false }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined]
    const value = () => inline ?? argv[++i] ?? ''
    if (flag === '--engine' || flag === '--profile' || flag === '--scenario') picked[flag.slice(2) as 'engine'].push(...(flag === '--profile' ? [value()] : value().split(',')).filter(Boolean))
    else if (flag === '--matrix') picked.matrix = value()
    else if (flag === '--repeat') picked.repeat = Number(value())
    else if (flag === '--parallel') picked.parallel = Number(value())
    else if (flag === '--list') picked.list = true
    else if (flag !== '--') throw new Error(`unknown flag ${argv[i]} (flags: --engine, --profile, --scenario, --matrix default|full, --repeat N, --parallel N, --list)`)
  }
  if (!['default', 'full'].includes(picked.matrix)) throw new Error(`--matrix ${picked.matrix}: default or full`)
  if (!(picked.repeat >= 1 && picked.parallel >= 1)) throw new Error('--repeat and --parallel take a number >= 1')
  for (const name of picked.engine) if (!ENGINES.includes(name as EngineName)) throw new Error(`no engine "${name}": ${ENGINES.join(', ')}`)
  for (const name of picked.scenario) if (!scenarios.some((s) => s.name === name)) throw new Error(`no scenario "${name}": ${scenarios.map((s) => s.name).join(', ')}`)
  // A profile is named exactly, or by a part of its name that only it contains.
  picked.profile = picked.profile.map((name) => {
    if (PROFILES[name as keyof typeof PROFILES]) return name
    const matches = PROFILE_NAMES.filter((p) => p.includes(name))
    if (matches.length !== 1) throw new Error(`--profile "${name}" matches ${matches.length ? matches.join('; ') : 'no profile'}. Profiles:\n  ${PROFILE_NAMES.join('\n  ')}`)
    return matches[0]!
  })
  return picked
}

/**
 * The matrix. `default` (what `npm test` runs): every scenario in every engine on the default
 * profile, and every profile in Chromium; `full`: every engine x every profile. A scenario is in a
 * cell when it applies to the profile (scenarios.ts) and the engine can do what it needs (a scenario
 * that pauses a page runs in Chromium only; the table says n/a and why).
 */
function matrix(kind: string): Job[] {
  const jobs: Job[] = []
  for (const engine of ENGINES) {
    for (const profile of PROFILE_NAMES) {
      if (kind === 'default' && engine !== 'chromium' && profile !== DEFAULT_PROFILE) continue
      for (const scenario of scenarios) {
        if (scenario.needs === 'pause' && DRIVERS[engine].pause !== true) continue
        if (scenario.applies(PROFILES[profile as keyof typeof PROFILES] as ServerProfile, profile)) jobs.push({ engine, profile, scenario })
      }
    }
  }
  return jobs
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

export async function main({ root, argv }: { root: string; argv: string[] }): Promise<number> {
  const args = parseArgs(argv)
  const jobs = matrix(args.matrix).filter(
    (job) =>
      (!args.engine.length || args.engine.includes(job.engine)) && (!args.profile.length || args.profile.includes(job.profile)) && (!args.scenario.length || args.scenario.includes(job.scenario.name)),
  )
  if (args.list || !jobs.length) {
    for (const job of jobs) console.log(`${job.engine} · ${job.profile} · ${job.scenario.name}`)
    if (!jobs.length) console.log(`nothing selected in the ${args.matrix} matrix${args.matrix === 'default' ? ' (other engines run the default profile only there: add --matrix full)' : ''}`)
    return jobs.length ? 0 : 1
  }

  // Units of work: one (engine, profile) pair with its own provider and app server, its scenarios in turn.
  const units = new Map<string, Job[]>()
  for (const job of jobs) {
    const key = `${job.engine}\u0000${job.profile}`
    units.set(key, [...(units.get(key) ?? []), job])
  }
  const started = Date.now()
  const outDir = mkdtempSync(join(tmpdir(), 'tabauth-scenarios-'))
  const runs: Run[] = []
  const engines = new Map<EngineName, Promise<Engine>>()
  const launch = (name: EngineName) => {
    if (!engines.has(name)) engines.set(name, withTimeout(DRIVERS[name].launch() as Promise<Engine>, 60_000, `launching ${name}`))
    return engines.get(name)!
  }
  const relaunch = async (name: EngineName) => {
    const old = engines.get(name)
    engines.delete(name)
    void old?.then((engine) => engine.close()).catch(() => {})
    return launch(name)
  }

  console.log(`scenarios: ${jobs.length} run(s) x ${args.repeat} in ${units.size} (engine, profile) unit(s), ${args.parallel} at a time; building the app...`)
  try {
    await buildApp(root, outDir)
    // Firefox's and WebKit's units first: they run one at a time, so they start at once, beside Chromium's.
    const queue = [...units.values()].sort((a, b) => Number(a[0]!.engine === 'chromium') - Number(b[0]!.engine === 'chromium'))
    const busy: Record<EngineName, number> = { chromium: 0, firefox: 0, webkit: 0 }
    // --parallel units at a time (default 3: on 2 cores the pages mostly wait, on timers and on each
    // other). Firefox and WebKit run one unit at a time (WebKit's driver runs one command at a time
    // anyway, and its web process is the one seen to crash under load); Chromium fills the other lanes.
    const limit: Record<EngineName, number> = { chromium: args.parallel, firefox: 1, webkit: 1 }
    let wake = () => {}
    const lane = async () => {
      for (;;) {
        const i = queue.findIndex((unit) => busy[unit[0]!.engine] < limit[unit[0]!.engine])
        if (i < 0) {
          if (!queue.length) return
          await new Promise<void>((resolve) => (wake = resolve))
          continue
        }
        const [unit] = queue.splice(i, 1)
        const engine = unit![0]!.engine
        busy[engine] += 1
        try {
          await runUnit(unit!, args.repeat)
        } finally {
          busy[engine] -= 1
          wake()
        }
      }
    }
    await Promise.all(Array.from({ length: args.parallel }, lane))
  } finally {
    for (const engine of engines.values()) await engine.then((e) => e.close()).catch(() => {})
    rmSync(outDir, { recursive: true, force: true })
  }

  async function runUnit(unit: Job[], repeat: number) {
    const { engine: engineName, profile: profileName } = unit[0]!
    const { refreshTokenTtl, ...flags } = PROFILES[profileName as keyof typeof PROFILES] as ServerProfile
    const app = await serveApp(outDir)
    const op = (await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [app.url], quiet: true, refreshTokenTtl, profile: flags })) as Provider & { close(): Promise<void> }
    // What the demo app is told about its server; plain OAuth 2.0 clients ask for the resource server's scope.
    const server = { issuer: op.issuer, ...(flags.oauth2 ? { scope: 'api' } : {}) }
    app.setServer(server)
    try {
      for (const job of unit) {
        for (let repeatIndex = 1; repeatIndex <= repeat; repeatIndex++) {
          const base = { engine: engineName, profile: profileName, scenario: job.scenario.name, repeat: repeatIndex }
          const label = `${engineName} · ${profileName} · ${job.scenario.name}${repeat > 1 ? ` #${repeatIndex}` : ''}`
          let engine: Engine
          try {
            engine = await launch(engineName)
          } catch (error) {
            runs.push({ ...base, outcome: 'failed', ms: 0, retried: 0, detail: `engine did not start: ${(error as Error).message}` })
            console.log(`  ✗ ${label}: ${engineName} did not start: ${(error as Error).message}`)
            continue
          }
          for (let attempt = 0; ; attempt++) {
            const t0 = Date.now()
            const opened: BrowserProfile[] = []
            let measured: Counts | undefined
            const ctx: Ctx = {
              measure: () => (measured = op.counts()),
              engine,
              profileName,
              profile: flags,
              provider: op,
              appUrl: app.url,
              clientId: CLIENT_ID,
              open: async (options?: OpenOptions) => {
                const browser = await engine.newProfile()
                opened.push(browser)
                return options && (options.server || options.relogin || options.visible) ? withStorage(browser, app.url, options) : browser
              },
            }
            try {
              op.settings({ accessTokenTtl: 300, refreshTokenTtl: refreshTokenTtl ?? 14 * 24 * 3600, tokenFailure: null, clientChanged: false, coop: false, authorizationError: null })
              op.reset()
              const note = await withTimeout(job.scenario.run(ctx), SCENARIO_TIMEOUT_MS, job.scenario.name)
              const ms = Date.now() - t0
              const detail = `${countsLine(measured ?? op.counts())}${note ? `; ${note}` : ''}`
              runs.push({ ...base, outcome: 'passed', ms, retried: attempt, detail })
              console.log(`  ✓ ${label} (${seconds(ms)}${attempt ? ', after a browser crash' : ''}): ${detail}`)
              break
            } catch (error) {
              const ms = Date.now() - t0
              const message = (error as Error).stack ?? String(error)
              const counts = countsLine(op.counts())
              if (attempt === 0 && BROWSER_LOST.test(message)) {
                console.log(`  ! ${label}: the browser was lost (${message.split('\n')[0]}); provider counts ${counts}; once more in a new browser profile`)
                if (/Browser has been closed|browser has disconnected/i.test(message)) engine = await relaunch(engineName)
                continue
              }
              runs.push({ ...base, outcome: 'failed', ms, retried: attempt, detail: `${(error as Error).message.split('\n')[0]} (provider: ${counts})` })
              console.log(`  ✗ ${label} (${seconds(ms)})\n    ${message.replace(/\n/g, '\n    ')}\n    provider counts: ${counts}`)
              break
            } finally {
              for (const browser of opened) await withTimeout(browser.close(), 15_000, 'closing a browser profile').catch(() => {})
            }
          }
        }
      }
    } finally {
      await op.close()
      await app.close()
    }
  }

  report(runs, jobs, args.repeat, Date.now() - started)
  const versions = await Promise.all(
    [...engines.values()].map((engine) =>
      engine.then(
        (e) => e.version,
        () => 'did not start',
      ),
    ),
  )
  console.log(`engines: ${versions.join(', ')}`)
  const count = (outcome: Run['outcome']) => runs.filter((run) => run.outcome === outcome).length
  const retried = runs.filter((run) => run.retried).length
  const failures = runs.filter((run) => run.outcome === 'failed').map((run) => `${run.engine} · ${run.profile} · ${run.scenario}${args.repeat > 1 ? ` #${run.repeat}` : ''}: ${run.detail}`)
  const summary = { passed: count('passed'), failed: count('failed'), retried, failures }
  mkdirSync(join(root, '.test-results'), { recursive: true })
  writeFileSync(join(root, '.test-results/scenarios.json'), JSON.stringify({ ...summary, seconds: Math.round((Date.now() - started) / 1000), runs }, null, 2) + '\n')
  console.log(`scenarios: ${summary.passed} passed, ${summary.failed} failed${retried ? `; ${retried} passed on a 2nd run after the browser crashed` : ''} (${seconds(Date.now() - started)})`)
  return summary.failed ? 1 : 0
}

/** The table (rows: engine · profile; columns: scenarios), the provider's counts per run, repeats and the 10 slowest. */
function report(runs: Run[], jobs: Job[], repeat: number, totalMs: number) {
  const names = scenarios.map((s) => s.name).filter((name) => jobs.some((job) => job.scenario.name === name))
  const rows = [...new Set(jobs.map((job) => `${job.engine} · ${job.profile}`))]
  const cell = (row: string, name: string) => {
    const mine = runs.filter((run) => `${run.engine} · ${run.profile}` === row && run.scenario === name)
    const scenario = scenarios.find((s) => s.name === name)!
    if (!mine.length) return scenario.needs === 'pause' && DRIVERS[row.split(' · ')[0] as EngineName].pause !== true ? 'n/a' : '-'
    const passed = mine.filter((run) => run.outcome === 'passed').length
    const mark = mine.some((run) => run.retried) ? '*' : ''
    return repeat > 1 ? `${passed}/${mine.length}${mark}` : passed ? `ok${mark}` : 'FAIL'
  }
  const table = [['', ...names], ...rows.map((row) => [row, ...names.map((name) => cell(row, name))])]
  const widths = table[0]!.map((_, i) => Math.max(...table.map((line) => line[i]!.length)))
  console.log('')
  for (const line of table) console.log(line.map((c, i) => c.padEnd(widths[i]!)).join('  '))
  console.log(
    `-: not in the matrix (the scenario does not apply to the profile); n/a: the engine cannot pause a page (${ENGINES.filter((e) => DRIVERS[e].pause !== true)
      .map((e) => `${e}: ${DRIVERS[e].pause}`)
      .join('; ')}); *: passed on a 2nd run after the browser crashed${repeat > 1 ? '; k/n: passes of n runs' : ''}`,
  )
  console.log('\nprovider counts (code/refresh = success/error) per run:')
  for (const run of runs) console.log(`  ${run.outcome === 'passed' ? 'ok  ' : 'FAIL'} ${run.engine} · ${run.profile} · ${run.scenario}${repeat > 1 ? ` #${run.repeat}` : ''}: ${run.detail}`)
  if (repeat > 1) {
    console.log(`\nrepeats (${repeat} each): passed, slowest run`)
    for (const job of jobs) {
      const mine = runs.filter((run) => run.engine === job.engine && run.profile === job.profile && run.scenario === job.scenario.name)
      if (!mine.length) continue
      const slowest = mine.reduce((a, b) => (b.ms > a.ms ? b : a))
      console.log(
        `  ${job.engine} · ${job.profile} · ${job.scenario.name}: ${mine.filter((run) => run.outcome === 'passed').length}/${mine.length} passed, slowest ${seconds(slowest.ms)} (#${slowest.repeat})`,
      )
    }
  }
  console.log('\n10 slowest runs:')
  for (const run of [...runs].sort((a, b) => b.ms - a.ms).slice(0, 10))
    console.log(`  ${seconds(run.ms).padStart(7)}  ${run.engine} · ${run.profile} · ${run.scenario}${repeat > 1 ? ` #${run.repeat}` : ''} (${run.outcome})`)
  console.log(`\nwall time ${seconds(totalMs)}`)
}

/**
 * A browser profile whose app pages start with `options` in localStorage: its first tab opens the
 * app server's blank page, writes them, then loads the app (WebDriver has no init scripts).
 */
function withStorage(browser: BrowserProfile, appUrl: string, options: OpenOptions): BrowserProfile {
  let first = true
  return {
    async newTab(url: string): Promise<Tab> {
      if (!first) return browser.newTab(url)
      first = false
      const tab = await browser.newTab(`${appUrl}/__rig/blank`)
      const items: Record<string, string> = {}
      if (options.server) items['tabauth-demo:server'] = JSON.stringify(options.server)
      if (options.relogin) items['tabauth-demo:relogin'] = options.relogin
      if (options.visible) items['rig:visible'] = '1'
      await tab.evaluate((items) => {
        for (const [key, value] of Object.entries(items)) localStorage.setItem(key, value)
      }, items)
      await tab.goto(url)
      return tab
    },
    close: () => browser.close(),
  }
}
