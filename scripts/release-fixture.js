#!/usr/bin/env node
// `node scripts/release-fixture.js`: freezes the release in this checkout as
// test/unit/fixtures/release-<version>/tabauth.js, the "old build" that test/unit/compat.test.ts runs
// beside the source. During a deploy, tabs of the old and the new build share one session (the stored
// record and its generation rule, the channel message, the lock name, the storage keys, the IndexedDB
// names); the test runs every release fixture it finds against today's code, both ways.
//
// Run it once per release, from a clean checkout of the release's commit (version already bumped in
// package.json), and commit what it writes. It never overwrites a fixture: a fixture IS that release,
// and one rebuilt from newer code would test nothing. Delete a fixture only when compatibility with
// that release is no longer promised.
//
// The bundle: the main entry (`tabauth`) and `tabauth/memory-only`, one unminified ESM file, React and
// oauth4webapi external, with the library build's message transform (scripts/lib/dev-messages.js).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { build, version as esbuildVersion } from 'esbuild'
import { devMessagesEsbuildPlugin } from './lib/dev-messages.js'
import { pkg, root } from './lib/entries.js'

const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()

const dir = join(root, 'test/unit/fixtures', `release-${pkg.version}`)
const file = join(dir, 'tabauth.js')
if (existsSync(dir)) {
  console.error(`${relative(root, dir)} exists: a release fixture is never rebuilt (it is that release). Bump the version for a new one.`)
  process.exit(1)
}
if (git('status', '--porcelain', '--', 'src', 'package.json')) {
  console.error('src or package.json has uncommitted changes: build a fixture from a clean checkout of the release commit.')
  process.exit(1)
}
const commit = git('rev-parse', 'HEAD')
const command = 'node scripts/release-fixture.js'
const entries = ['src/index.ts', 'src/memory-only/index.ts']

const header = `// tabauth ${pkg.version}, frozen: built from commit ${commit} by \`${command}\`
// (esbuild ${esbuildVersion}: ${entries.join(' + ')}, unminified ESM, react and oauth4webapi external).
// The previous release, for test/unit/compat.test.ts: never edit it, never regenerate it from newer code.`

const result = await build({
  stdin: { contents: entries.map((source) => `export * from ${JSON.stringify(`./${source}`)}`).join('\n'), resolveDir: root, loader: 'ts', sourcefile: 'release-entry.ts' },
  bundle: true,
  minify: false,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  charset: 'utf8',
  write: false,
  logLevel: 'warning',
  external: ['oauth4webapi', 'react', 'react/*', 'react-dom', 'react-dom/*'],
  banner: { js: header },
  plugins: [devMessagesEsbuildPlugin()],
})

mkdirSync(dir, { recursive: true })
writeFileSync(file, result.outputFiles[0].text)
writeFileSync(
  join(dir, 'README.md'),
  `# tabauth ${pkg.version}, frozen

\`tabauth.js\` is release ${pkg.version} of tabauth: its main entry (\`tabauth\`) and \`tabauth/memory-only\`,
bundled into one unminified ESM file (react and oauth4webapi external) from commit
\`${commit}\` with \`${command}\` (esbuild ${esbuildVersion}).

\`test/unit/compat.test.ts\` runs it as the old build beside today's source: tabs of both builds share one
session during a deploy. **Never edit it, and never regenerate it from newer code**: it is the previous
release, and a copy rebuilt from today's code would test nothing. The next release adds a fixture of its
own with the same command (see \`scripts/release-fixture.js\`). Linters and formatters leave
\`test/unit/fixtures/release-*/\` alone.
`,
)
console.log(`wrote ${relative(root, file)} (${result.outputFiles[0].text.split('\n').length} lines) from ${commit}`)
