#!/usr/bin/env node
// Lint and format (a suite of `npm test`; .test-results/lint.json): what `npm run lint` checks, as two checks:
//  - eslint: `eslint .` (eslint.config.js) finds nothing, not even a warning;
//  - prettier: `prettier --check .` (.prettierrc.json, .prettierignore) finds every file formatted.
// Each failure names a file: ESLint's with its findings (line:column rule), Prettier's to be fixed by `npm run format`.
//
//   node scripts/lint-check.js          npm test -- --suite lint
import { spawnSync } from 'node:child_process'
import { join, relative } from 'node:path'
import { ESLint } from 'eslint'
import { checkSuite } from './lib/checks.js'
import { root } from './lib/entries.js'

const { check, finish } = checkSuite('lint')

/** A failed check: `report` is printed (it says where, a stack would not), `failures` go to the result file one by one. */
function findings(report, failures) {
  return Object.assign(new Error(report), { stack: report, failures })
}

await check('eslint', async () => {
  const eslint = new ESLint({ cwd: root })
  const results = (await eslint.lintFiles(['.'])).filter((result) => result.messages.length > 0)
  if (!results.length) return
  const report = await (await eslint.loadFormatter('stylish')).format(results)
  const failures = results.map((result) => `${relative(root, result.filePath)}: ${result.messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? (m.fatal ? 'parse error' : 'eslint')}`).join(', ')}`)
  throw findings(report.trim(), failures)
})

await check('prettier', () => {
  // --list-different: the unformatted files one per line; exit status 1 when there are some, 2 on an error (e.g. a syntax error).
  const prettier = spawnSync(join(root, 'node_modules', '.bin', 'prettier'), ['--list-different', '.'], { cwd: root, encoding: 'utf8' })
  if (prettier.status === 0) return
  const files = prettier.stdout.split('\n').filter(Boolean)
  // An error names its file: `[error] path: SyntaxError: ...` (the code frame's lines that follow do not).
  const errors = prettier.stderr.split('\n').flatMap((line) => line.match(/^\[error\] ([^\s:]+: .*)/)?.[1] ?? [])
  const failures = [...files.map((file) => `${file}: not formatted (npm run format)`), ...errors]
  if (!failures.length) failures.push(`prettier exited with ${prettier.status ?? prettier.signal}: ${prettier.stderr.split('\n')[0]}`)
  throw findings(`${files.length} file(s) not formatted (npm run format fixes them):\n${files.map((file) => `  ${file}`).join('\n')}\n${prettier.stderr}`.trim(), failures)
})

process.exit(finish() > 0 ? 1 : 0)
