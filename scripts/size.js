// Prints the library's shipped size: minified and gzipped, alone (as published,
// oauth4webapi and React external), as an app would ship it (with oauth4webapi), and tabauth/query.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const root = resolve(import.meta.dirname, '..')

async function measure(label, external, entry = 'src/index.ts') {
  const outDir = mkdtempSync(join(tmpdir(), 'tabauth-size-'))
  try {
    await build({
      configFile: false,
      logLevel: 'silent',
      root,
      build: {
        outDir,
        minify: true,
        // Not lib mode: lib mode keeps whitespace in ES output, which is not what an app ships.
        rollupOptions: {
          input: resolve(root, entry),
          external,
          preserveEntrySignatures: 'strict',
          output: { format: 'es', entryFileNames: 'index.js' },
        },
      },
    })
    const code = readFileSync(join(outDir, 'index.js'))
    return { label, minified: code.length, gzip: gzipSync(code, { level: 9 }).length }
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}

export async function sizes() {
  const react = [/^react($|\/)/, /^react-dom($|\/)/]
  return [
    await measure('tabauth', [...react, 'oauth4webapi']),
    await measure('tabauth + oauth4webapi', react),
    // The query entry with the parts of the core it uses: what it adds to an app that has tabauth is less.
    await measure('tabauth/query', [...react, /^@tanstack\//, 'oauth4webapi'], 'src/query/index.ts'),
  ]
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const { label, minified, gzip } of await sizes()) {
    console.log(`${label.padEnd(24)} ${(minified / 1024).toFixed(1).padStart(6)} kB min  ${(gzip / 1024).toFixed(1).padStart(6)} kB gzip`)
  }
}
