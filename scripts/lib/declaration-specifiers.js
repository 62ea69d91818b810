#!/usr/bin/env node
// After `tsc` emits declarations: rewrite relative specifiers (`./core`, `./client`) to the files
// they mean (`./core/index.js`, `./client.js`). Under `node16`/`nodenext` resolution TypeScript
// resolves declaration imports like Node resolves ESM: exact paths only, no extension or index lookup.
// https://www.typescriptlang.org/docs/handbook/modules/reference.html#node16-node18-nodenext
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

function declarationFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? declarationFiles(path) : path.endsWith('.d.ts') ? [path] : []
  })
}

/** The `.js` specifier whose declaration file exists next to `file`. */
function resolved(file, specifier) {
  const base = resolve(dirname(file), specifier)
  if (existsSync(`${base}.d.ts`)) return `${specifier}.js`
  if (existsSync(join(base, 'index.d.ts'))) return `${specifier.replace(/\/$/, '')}/index.js`
  if (/\.js$/.test(specifier) && existsSync(base.replace(/\.js$/, '.d.ts'))) return specifier
  throw new Error(`${file}: cannot resolve "${specifier}" to a declaration file`)
}

const dist = resolve(process.argv[2] ?? 'dist')
let rewritten = 0
for (const file of declarationFiles(dist)) {
  const text = readFileSync(file, 'utf8')
  // `from '...'`, `import '...'` and `import('...')` with a relative specifier.
  const next = text.replace(/(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*|\.{1,2})\2/g, (_, lead, quote, specifier) => {
    const to = resolved(file, specifier)
    if (to !== specifier) rewritten++
    return `${lead}${quote}${to}${quote}`
  })
  if (next !== text) writeFileSync(file, next)
}
console.log(`declarations: ${rewritten} relative specifier(s) rewritten to .js paths`)
