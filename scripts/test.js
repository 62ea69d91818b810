#!/usr/bin/env node
// `npm test`: type-checks, runs every vitest project (unit, react, browser, e2e) on a real Chromium,
// then the extra suites listed in `suites` below (each a node script), and ends with one line,
// `N passed, N failed`, summed from vitest's JSON report and every suite's result file.
//
//   npm test                       everything
//   npm test -- --project unit     extra arguments go to `vitest run`; no extra suite runs
//   npm test -- --suite NAME       only the extra suite NAME (repeatable); its own flags follow `--`
//
// An extra suite is `node <script> [args]` run from the repository root with CHROMIUM_PATH set. It
// prints its own progress and writes `.test-results/<name>.json` = { "passed": N, "failed": N }
// (optionally "failures": ["what failed: why"], listed again at the end; "skipped": N, printed
// beside them; "durations": [{ "name": ..., "ms": N }], for the list of the slowest);
// no result file, or a non-zero exit without failures, counts as one failure.
//
// Two lanes run side by side (the machine has 2 cores, and most of an end-to-end test's time is spent
// waiting for token lifetimes): vitest in the first, the extra suites one after another in the second.
// A suite in the second lane prints its output when it ends, so that the two never interleave.
//
// Chromium: $CHROMIUM_PATH, else /usr/bin/chromium, else `chromium` on the PATH. When none is
// found and we are root on Debian/Ubuntu, Debian's `chromium` package is installed.
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const reportPath = join(root, '.test-results', 'vitest.json')

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' })
  const path = result.stdout.trim()
  return result.status === 0 && path ? path : undefined
}

function findChromium() {
  if (process.env.CHROMIUM_PATH) {
    if (isExecutable(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH
    console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file.`)
    process.exit(1)
  }
  if (isExecutable('/usr/bin/chromium')) return '/usr/bin/chromium'
  return which('chromium')
}

function installChromium() {
  const isRoot = process.getuid?.() === 0
  if (!isRoot || !which('apt-get')) return false
  console.log("Chromium not found: installing Debian's chromium package (apt-get install -y chromium)...")
  const result = spawnSync('sh', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium'], {
    stdio: 'inherit',
  })
  return result.status === 0
}

let chromium = findChromium()
if (!chromium && installChromium()) chromium = findChromium()
if (!chromium) {
  console.error(
    [
      'The browser and e2e tests need Chromium, and none was found.',
      'Install it, e.g. on Debian/Ubuntu:',
      '  sudo apt-get update && sudo apt-get install -y chromium',
      'or point CHROMIUM_PATH at any Chromium/Chrome executable:',
      '  CHROMIUM_PATH=/path/to/chromium npm test',
    ].join('\n'),
  )
  process.exit(1)
}

/**
 * The suites that are not vitest projects: { name, script, args? }. Each helper script is
 * described at the top of its own file.
 */
const suites = [
  // `npm run lint`: ESLint with no finding, and every file as Prettier formats it.
  { name: 'lint', script: 'scripts/lint-check.js' },
  { name: 'size', script: 'scripts/size.js', args: ['--check'] },
  { name: 'package', script: 'scripts/package-check.js' },
  // The README's "Use it in your app", built into a fresh app against the dev provider's documented command.
  { name: 'guide', script: 'scripts/guide-check.js' },
  // The multi-tab scenarios (test/scenarios/) over engine x server profile: every scenario in
  // Chromium, Firefox and WebKit on the default profile, every profile in Chromium (`-- --matrix full`: all).
  { name: 'scenarios', script: 'scripts/scenarios.js' },
]

// --suite NAME (repeatable) runs only those extra suites; anything else goes to vitest.
const args = process.argv.slice(2)
const only = []
const vitestArgs = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--suite') only.push(args[++i])
  else if (args[i].startsWith('--suite=')) only.push(args[i].slice('--suite='.length))
  else vitestArgs.push(args[i])
}
const everything = args.length === 0
const runVitest = only.length === 0
const selected = everything ? suites : suites.filter((suite) => only.includes(suite.name))
for (const name of only) {
  if (!suites.some((suite) => suite.name === name)) {
    console.error(`No suite "${name}". Suites: ${suites.map((suite) => suite.name).join(', ') || '(none)'}`)
    process.exit(1)
  }
}

mkdirSync(dirname(reportPath), { recursive: true })
rmSync(reportPath, { force: true })
const env = { ...process.env, CHROMIUM_PATH: chromium }

// The whole suite also type-checks the library, tests, example and scripts (a failure counts as one failed check).
let typeErrors = 0
if (everything) {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')
  console.log('Type-checking (tsc --noEmit)...')
  const typecheck = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' })
  if (typecheck.status !== 0) typeErrors = 1
}

let passed = 0
let failed = typeErrors
const lines = []
// The names of what failed, printed again just before the closing line: CI keeps only the end of the output.
const failures = []
// Every test's and scenario's time, for the list of the slowest (where flakes and CI minutes hide).
const durations = []

/** Runs every vitest project and reads its JSON report. */
async function runVitestProjects() {
  const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
  const run = await new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`, ...vitestArgs], { cwd: root, stdio: 'inherit', env })
    child.on('close', (status, signal) => resolve({ status, signal }))
  })
  let vitestPassed = 0
  let vitestFailed = 0
  let report
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8'))
  } catch {
    report = undefined
  }
  if (report) {
    vitestPassed = report.numPassedTests ?? 0
    vitestFailed = report.numFailedTests ?? 0
    // A test file that failed before its tests ran (e.g. an import error) has no failed tests of its own.
    for (const file of report.testResults ?? []) {
      const fileFailed = file.status === 'failed'
      const testsFailed = (file.assertionResults ?? []).some((test) => test.status === 'failed')
      if (fileFailed && !testsFailed) vitestFailed += 1
      const name = relative(root, file.name)
      if (fileFailed && !testsFailed) failures.push(`${name}: ${firstLine(file.message)}`)
      for (const test of file.assertionResults ?? []) {
        if (test.status === 'failed') failures.push(`${name} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`)
        if (typeof test.duration === 'number') durations.push({ name: `${name} > ${test.fullName}`, ms: test.duration })
      }
    }
  }
  const crashed = run.status !== 0 || run.signal !== null
  // vitest failed without a report, or failed outside any test (e.g. an unhandled error): never print "0 failed".
  if (crashed && vitestFailed === 0) vitestFailed = 1
  return { name: 'vitest', passed: vitestPassed, failed: vitestFailed }
}

function firstLine(message) {
  return (
    String(message ?? 'failed outside its tests')
      .split('\n')
      .find((line) => line.trim()) ?? ''
  )
}

/** Runs one extra suite and reads its result file; `quiet` buffers its output and prints it when it ends. */
function runSuite(suite, quiet) {
  const resultPath = join(root, '.test-results', `${suite.name}.json`)
  rmSync(resultPath, { force: true })
  const argv = [join(root, suite.script), ...(suite.args ?? []), ...(everything ? [] : vitestArgs)]
  const started = Date.now()
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: root, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit', env })
    const output = []
    child.stdout?.on('data', (chunk) => output.push(chunk))
    child.stderr?.on('data', (chunk) => output.push(chunk))
    child.on('close', (status, signal) => {
      if (quiet) process.stdout.write(`\n== suite ${suite.name} (${Math.round((Date.now() - started) / 1000)} s) ==\n${Buffer.concat(output).toString()}`)
      let result
      try {
        result = JSON.parse(readFileSync(resultPath, 'utf8'))
      } catch {
        result = { passed: 0, failed: 0 }
      }
      let suiteFailed = result.failed ?? 0
      if ((status !== 0 || signal !== null || !existsSync(resultPath)) && suiteFailed === 0) suiteFailed = 1
      for (const failure of result.failures ?? []) failures.push(`${suite.name} > ${failure}`)
      for (const { name, ms } of result.durations ?? []) durations.push({ name: `${suite.name} > ${name}`, ms })
      resolve({ name: suite.name, passed: result.passed ?? 0, failed: suiteFailed, skipped: result.skipped })
    })
  })
}

/** The extra suites one after another; beside vitest their output is buffered. */
async function runSuites(quiet) {
  const results = []
  for (const suite of selected) {
    if (!quiet) console.log(`\n== suite ${suite.name} ==`)
    results.push(await runSuite(suite, quiet))
  }
  return results
}

const started = Date.now()
const [vitestResult, suiteResults] = await Promise.all([runVitest ? runVitestProjects() : undefined, runSuites(runVitest)])
for (const result of [vitestResult, ...suiteResults]) {
  if (!result) continue
  passed += result.passed
  failed += result.failed
  // Skipped is never passed: it is printed, not counted in the closing line.
  lines.push(`${result.name}: ${result.passed} passed, ${result.failed} failed${result.skipped ? `, ${result.skipped} skipped` : ''}`)
}

if (durations.length) {
  const slowest = durations.sort((a, b) => b.ms - a.ms).slice(0, 10)
  console.log(`\nslowest:\n${slowest.map(({ name, ms }) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${name}`).join('\n')}`)
}
console.log(`\ntotal: ${Math.round((Date.now() - started) / 1000)} s`)
if (typeErrors) lines.unshift('tsc: type errors (counted as 1 failed)')
if (failures.length) console.log(`\nfailed:\n${failures.map((failure) => `  ${failure}`).join('\n')}`)
if (lines.length > 1) console.log(`\n${lines.join('\n')}`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
