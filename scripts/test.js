#!/usr/bin/env node
// `npm test`: runs every vitest project (unit, react, browser, e2e) on a real Chromium and ends
// with one line, `N passed, N failed`, counted from vitest's JSON report.
//
//   npm test                       all projects
//   npm test -- --project unit     extra arguments go to `vitest run`
//
// Chromium: $CHROMIUM_PATH, else /usr/bin/chromium, else `chromium` on the PATH. When none is
// found and we are root on Debian/Ubuntu, Debian's `chromium` package is installed.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
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
  console.log('Chromium not found: installing Debian\'s chromium package (apt-get install -y chromium)...')
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

mkdirSync(dirname(reportPath), { recursive: true })
rmSync(reportPath, { force: true })

// The whole suite also type-checks the library, tests, example and scripts (a failure counts as one failed check).
let typeErrors = 0
if (process.argv.length <= 2) {
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc')
  console.log('Type-checking (tsc --noEmit)...')
  const typecheck = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' })
  if (typecheck.status !== 0) typeErrors = 1
}

const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs')
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportPath}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...process.env, CHROMIUM_PATH: chromium } },
)

let passed = 0
let failed = 0
let report
try {
  report = JSON.parse(readFileSync(reportPath, 'utf8'))
} catch {
  report = undefined
}
if (report) {
  passed = report.numPassedTests ?? 0
  failed = report.numFailedTests ?? 0
  // A test file that failed before its tests ran (e.g. an import error) has no failed tests of its own.
  for (const file of report.testResults ?? []) {
    const fileFailed = file.status === 'failed'
    const testsFailed = (file.assertionResults ?? []).some((test) => test.status === 'failed')
    if (fileFailed && !testsFailed) failed += 1
  }
}
const crashed = run.status !== 0 || run.signal !== null
// vitest failed without a report, or failed outside any test (e.g. an unhandled error): never print "0 failed".
if (crashed && failed === 0) failed = 1
failed += typeErrors
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
