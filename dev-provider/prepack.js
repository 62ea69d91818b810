// `npm pack` / `npm publish` in dev-provider/: copies the dev provider from ../scripts (its only source)
// into dist/, the layout bin.js imports when installed. dist/ is not committed.
import { cpSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const scripts = join(here, '..', 'scripts')
rmSync(join(here, 'dist'), { recursive: true, force: true })
for (const file of ['provider.js', 'lib/memory-adapter.js', 'lib/profiles.js', 'lib/notes.js']) {
  cpSync(join(scripts, file), join(here, 'dist', file))
}
