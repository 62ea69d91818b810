#!/usr/bin/env node
// The server-profile matrix (`npm test -- --suite profiles`): the core scenarios (sign-in, storm, relay,
// dead grant, sign-out; on the refusal profiles the refusal scenarios instead) against the dev provider in every profile of scripts/lib/profiles.js, in real
// Chromium, each profile on its own provider (port 0), several profiles at once. Counts come from the
// providers. Prints one table row per profile and writes .test-results/profiles.json.
//
//   node scripts/profiles.js [--only SUBSTRING] [--parallel N]
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createServer } from 'vite'
import { chromiumArgs, chromiumPath } from './lib/chromium.js'
import { PROFILES } from './lib/profiles.js'
import { CLIENT_ID, startProvider } from './provider.js'
import { SCENARIOS } from './lib/profile-scenarios.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const flag = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const only = flag('--only')
const parallel = Number(flag('--parallel') ?? 3)

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const appPort = await freePort()
const appUrl = `http://127.0.0.1:${appPort}`
const vite = await createServer({
  configFile: join(root, 'example/vite.config.ts'),
  server: { host: '127.0.0.1', port: appPort, strictPort: true, watch: null, hmr: false },
  logLevel: 'warn',
  clearScreen: false,
})
await vite.listen()
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })

// Warm the dev server once (module transforms, dependency pre-bundling) so no page reloads mid-scenario.
{
  const page = await browser.newPage()
  await page.goto(appUrl, { waitUntil: 'networkidle', timeout: 60_000 })
  await page.close()
}

const names = Object.keys(PROFILES).filter((name) => !only || name.includes(only))
const rows = []
let passed = 0
let failed = 0

async function runProfile(name) {
  const { refreshTokenTtl, ...profile } = PROFILES[name]
  const op = await startProvider({ port: 0, appOrigins: [appUrl], quiet: true, refreshTokenTtl, profile })
  const env = { browser, appUrl, op, profile, clientId: CLIENT_ID, server: serverConfig(op.issuer, profile) }
  const row = { name, results: [], refresh: 0, invalidGrant: 0, ownInvalidGrant: 0, ms: 0 }
  const started = Date.now()
  try {
    for (const scenario of SCENARIOS) {
      if (!scenario.applies(profile)) {
        row.results.push({ scenario: scenario.name, skipped: true })
        continue
      }
      const t0 = Date.now()
      try {
        const stats = await scenario.run(env)
        row.results.push({ scenario: scenario.name, ok: true, ms: Date.now() - t0, note: stats.note })
        row.refresh += stats.refresh
        row.invalidGrant += stats.invalidGrant
        row.ownInvalidGrant += stats.ownInvalidGrant
        passed += 1
      } catch (error) {
        row.results.push({ scenario: scenario.name, ok: false, ms: Date.now() - t0, error: error.message.split('\n').slice(0, 6).join('\n    ') })
        failed += 1
      }
    }
  } finally {
    await op.close()
  }
  row.ms = Date.now() - started
  rows.push(row)
  console.log(`${row.results.every((r) => r.ok || r.skipped) ? 'ok  ' : 'FAIL'} ${name} (${(row.ms / 1000).toFixed(1)} s)`)
  for (const r of row.results.filter((r) => !r.ok && !r.skipped)) console.log(`    ${r.scenario}: ${r.error}`)
  // What a scenario saw (the refusal scenarios: requests at the provider and the ending the tabs showed).
  for (const r of row.results.filter((r) => r.ok && r.note)) console.log(`    ${r.scenario}: ${r.note}`)
  if (args.includes('--verbose')) console.log(`    ${row.results.map((r) => `${r.scenario} ${((r.ms ?? 0) / 1000).toFixed(1)} s`).join(', ')}`)
}

/** What the demo app is told about the server (localStorage `tabauth-demo:server`). */
function serverConfig(issuer, profile) {
  return { issuer, ...(profile.oauth2 ? { scope: 'api' } : {}) }
}

const queue = [...names]
await Promise.all(
  Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    while (queue.length) await runProfile(queue.shift())
  }),
)

await browser.close()
await vite.close()

const order = new Map(names.map((name, i) => [name, i]))
rows.sort((a, b) => order.get(a.name) - order.get(b.name))
const scenarioNames = SCENARIOS.map((s) => s.name)
const table = [
  ['profile', ...scenarioNames, 'refresh requests', 'invalid_grant (ours)', 's'],
  ...rows.map((row) => [
    row.name,
    ...row.results.map((r) => (r.skipped ? '-' : r.ok ? 'ok' : 'FAIL')),
    String(row.refresh),
    `${row.invalidGrant} (${row.ownInvalidGrant})`,
    (row.ms / 1000).toFixed(1),
  ]),
]
const widths = table[0].map((_, i) => Math.max(...table.map((line) => line[i].length)))
console.log('')
for (const line of table) console.log(line.map((cell, i) => cell.padEnd(widths[i])).join('  '))
console.log('invalid_grant: every one the providers answered; (ours): those our own requests caused (reuse, a dead grant sent again); must be 0.')
console.log('-: the scenario does not apply to the profile (the refusal profiles run the refusal scenarios only).')

mkdirSync(join(root, '.test-results'), { recursive: true })
writeFileSync(
  join(root, '.test-results', 'profiles.json'),
  JSON.stringify(
    { passed, failed, failures: rows.flatMap((row) => row.results.filter((r) => !r.ok && !r.skipped).map((r) => `${row.name} ${r.scenario}: ${r.error.split('\n')[0]}`)), profiles: rows },
    null,
    2,
  ),
)
console.log(`profiles: ${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
