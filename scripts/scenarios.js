#!/usr/bin/env node
// The scenario suite (`npm test -- --suite scenarios`): the multi-tab scenarios of test/scenarios/
// over engine x server profile, against the real dev provider. Writes .test-results/scenarios.json
// = { passed, failed, retried, failures, runs } and prints a table with the provider's counts.
//
//   node scripts/scenarios.js [--matrix default|full] [--engine chromium,firefox,webkit]... [--profile NAME]...
//                             [--scenario NAME]... [--repeat N] [--parallel N (default 3)] [--list]
//   npm test -- --suite scenarios -- --matrix full
//   npm test -- --suite scenarios -- --scenario relay --engine webkit --repeat 20
//
// default matrix: every scenario in every engine on the default server profile, and every profile in
// Chromium; full: every engine x every profile. Selection flags filter the chosen matrix.
//
// How TypeScript runs: esbuild (a devDependency) bundles test/scenarios/run.ts, with the JavaScript
// drivers and provider it imports, into one ES module under node_modules/.cache (so that its package
// imports, left external, resolve from this repository's node_modules), in about 100 ms; this script
// imports it. Not a vitest project: the runner owns its matrix, lanes, crash retries and report, and
// vitest would put a second scheduler and reporter around them. Page functions stay as written
// (target node20, no keepNames): the drivers send their source text to the browsers.
import { mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// One file per process: two runs at once (a --list beside a run) must not import each other's half-written bundle.
const outfile = join(root, `node_modules/.cache/tabauth-scenarios/run-${process.pid}.mjs`)
mkdirSync(dirname(outfile), { recursive: true })
await build({
  entryPoints: [join(root, 'test/scenarios/run.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  outfile,
  logLevel: 'warning',
})
process.setSourceMapsEnabled(true)
const { main } = await import(pathToFileURL(outfile).href)
rmSync(outfile, { force: true }) // imported: the source map is inline, nothing reads the file again
process.exitCode = await main({ root, argv: process.argv.slice(2) })
