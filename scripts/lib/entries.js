// The package's entries, read from package.json `exports`: every check and the build cover each one.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const root = resolve(import.meta.dirname, '../..')
export const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/** Every subpath with code: `{ subpath: '.', name: 'tabauth', dist: 'dist/index.js', source: 'src/index.ts' }`, ... */
export const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object' && target.import)
  .map(([subpath, target]) => {
    const dist = target.import.replace(/^\.\//, '')
    return { subpath, name: subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`, dist, source: dist.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts') }
  })

/** Imports that stay out of the bundle: dependencies, peers, and the package's own entries. */
export const externals = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), pkg.name].map(
  (name) => new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}($|/)`),
)
