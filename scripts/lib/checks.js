// What the package, guide and lint suites share: a command that must succeed, and named checks whose
// results go to .test-results/<suite>.json (read by scripts/test.js) and the console.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { root } from './entries.js'

/** Runs `command` (no npm update notice); its stdout, or an error with both outputs. */
export function run(command, args, cwd, env = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false', ...env } })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

export function checkSuite(suite) {
  const results = []
  const failures = []
  /**
   * A failure outside any check (the setup): counted and named as the suite's. A check that fails for
   * several reasons (e.g. one per file) counts once and names each: `error.failures = ['reason', ...]`.
   */
  function fail(error, name = suite) {
    results.push(false)
    const reasons = Array.isArray(error?.failures) ? error.failures : [String(error?.message ?? error).split('\n')[0]]
    for (const reason of reasons) failures.push(`${name}: ${reason}`)
    console.log(`FAIL ${name === suite ? '' : `${name}\n`}${error?.stack ?? error}`)
  }
  return {
    fail,
    async check(name, fn) {
      const started = Date.now()
      try {
        await fn()
        results.push(true)
        console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
      } catch (error) {
        fail(error, name)
      }
    },
    /** Writes the results and prints the suite's line; returns the number of failures. */
    finish() {
      const passed = results.filter(Boolean).length
      mkdirSync(join(root, '.test-results'), { recursive: true })
      writeFileSync(join(root, '.test-results', `${suite}.json`), JSON.stringify({ passed, failed: results.length - passed, failures }) + '\n')
      console.log(`${suite}: ${passed} passed, ${results.length - passed} failed`)
      return results.length - passed
    },
  }
}
