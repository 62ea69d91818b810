#!/usr/bin/env node
// tabauth-dev-provider: tabauth's development OpenID provider for your own app (`--help` for the options).
// Installed, it runs the copy in dist/ (made by prepack.js); in the tabauth repository, scripts/provider.js.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const packed = join(here, 'dist', 'provider.js')
const source = existsSync(packed) ? packed : join(here, '..', 'scripts', 'provider.js')

// oidc-provider 9 prints "Unsupported runtime" on every Node before 22 LTS. It works on Node >= 20.18 (tabauth's
// whole test suite runs it on Node 20), so that one line is left out here, knowingly; any other warning passes.
const warn = console.warn
console.warn = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return
  warn(...args)
}
const { runCli } = await import(pathToFileURL(source).href)
console.warn = warn
await runCli(process.argv.slice(2))
