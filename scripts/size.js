#!/usr/bin/env node
// `npm run size`: what each package entry costs an app, measured as a user would measure it:
// esbuild --bundle --minify (so `process.env.NODE_ENV` is "production"), then gzip -9; react,
// react-dom and @tanstack/react-query external, oauth4webapi included. Prints a per-module breakdown.
//
//   npm run size              the table
//   npm run size -- --check   also checks the budgets (a suite of `npm test`: .test-results/size.json)
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { devMessagesEsbuildPlugin } from './lib/dev-messages.js'
import { entries, pkg, root } from './lib/entries.js'

/**
 * gzip budgets in bytes, by entry name: a guard against growth, set just above today's figure.
 * The goal for the main entry is 12 KB (issue 13), not reached yet: see the README's "Size".
 */
const BUDGETS = { tabauth: 18.5 * 1024 }
// What an app already has: React and the peers; the package's other entries are measured on their own.
const external = ['react', 'react-dom', '@tanstack/react-query', ...Object.keys(pkg.peerDependencies ?? {})].flatMap((name) => [name, `${name}/*`])
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`

async function bundle(sources, other) {
  const result = await build({
    stdin: { contents: sources.map((source) => `export * from ${JSON.stringify(join(root, source))}`).join('\n'), resolveDir: root, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: [...external, ...other],
    // What the library build does to src (dist is what users bundle; src keeps the breakdown per module).
    plugins: [devMessagesEsbuildPlugin()],
  })
  const code = result.outputFiles[0].contents
  return { code, inputs: Object.values(result.metafile.outputs)[0].inputs }
}

/** `mainGzip`: the main entry's figure, for what another entry adds beside it. */
async function measure({ name, source }, mainGzip) {
  const other = entries.filter((entry) => entry.name !== name).map((entry) => entry.name)
  const { code, inputs } = await bundle([source], other)
  const modules = Object.entries(inputs)
    .map(([path, { bytesInOutput }]) => ({ path: relative(root, join(root, path)), bytes: bytesInOutput }))
    .filter((module) => module.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
  const gzip = gzipSync(code, { level: 9 }).length
  if (name === pkg.name) return { name, minified: code.length, gzip, modules }
  // What the entry costs an app that has the main entry already: the code they share counts once.
  const main = entries.find((entry) => entry.name === pkg.name)
  const both = (
    await bundle(
      [main.source, source],
      other.filter((n) => n !== pkg.name),
    )
  ).code
  return { name, minified: code.length, gzip, modules, addsGzip: gzipSync(both, { level: 9 }).length - mainGzip }
}

/** Every entry's size; `label` and the totals are what `npm run bench` prints too. */
export async function sizes() {
  const main = await measure(entries.find((entry) => entry.name === pkg.name))
  const results = []
  for (const entry of entries) results.push({ label: entry.name, ...(entry.name === pkg.name ? main : await measure(entry, main.gzip)) })
  return results
}

/** Budget and isolation checks: [{ name, ok, detail }]. */
export function checks(results) {
  const list = []
  for (const [name, budget] of Object.entries(BUDGETS)) {
    const result = results.find((r) => r.name === name)
    list.push({ name: `${name} at most ${kb(budget)} gzip`, ok: !!result && result.gzip <= budget, detail: result ? kb(result.gzip) : 'no such entry' })
  }
  // The main entry must not pull in another entry's own modules (src/query/..., src/testing/...).
  const main = results.find((r) => r.name === pkg.name)
  for (const entry of entries.filter((e) => e.name !== pkg.name)) {
    const dir = entry.source.replace(/\/[^/]+$/, '/')
    const leaked = main.modules.filter((m) => m.path.startsWith(dir))
    list.push({ name: `${entry.name} adds nothing to ${pkg.name}`, ok: leaked.length === 0, detail: leaked.map((m) => m.path).join(', ') || 'none of its modules' })
  }
  return list
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await sizes()
  for (const { name, minified, gzip, modules, addsGzip } of results) {
    console.log(`${name.padEnd(20)} ${kb(minified).padStart(9)} min  ${kb(gzip).padStart(8)} gzip${addsGzip === undefined ? '' : `, beside ${pkg.name} +${kb(addsGzip)} gzip`}`)
    for (const { path, bytes } of modules) console.log(`  ${path.padEnd(50)} ${kb(bytes).padStart(9)} min  ${((bytes / minified) * 100).toFixed(0).padStart(3)}%`)
  }
  if (process.argv.includes('--check')) {
    const list = checks(results)
    console.log()
    for (const check of list) console.log(`${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`)
    const passed = list.filter((c) => c.ok).length
    mkdirSync(join(root, '.test-results'), { recursive: true })
    writeFileSync(join(root, '.test-results', 'size.json'), JSON.stringify({ passed, failed: list.length - passed, failures: list.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`) }) + '\n')
  }
}
