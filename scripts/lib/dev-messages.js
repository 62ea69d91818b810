// Production builds drop tabauth's long error explanations, as React and Redux do: the message
// argument of every `new AuthError(...)` / `new LoginRequiredError(...)` in the library's source is
// wrapped in a NODE_ENV test written inline, which the app's bundler folds and its minifier removes.
// The error keeps `code`, `reason`, `reasons`, and AuthError's fallback message points at the README.
// Used by the library build (vite.config.ts) and by `npm run size`.
import { parseAst } from 'vite'

/** Which argument holds the message, per error class. */
const MESSAGE_ARGUMENT = { AuthError: 1, LoginRequiredError: 0 }
// Bare, as TanStack Query and Redux write it: bundlers (Vite dev and build, esbuild, webpack, Rollup
// with replace) put the mode in its place; `typeof process` would stay and read 'undefined' in browsers.
const DEVELOPMENT = `process.env.NODE_ENV !== 'production'`

function visit(node, found) {
  if (!node || typeof node !== 'object') return
  if (Array.isArray(node)) return node.forEach((child) => visit(child, found))
  if (node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name in MESSAGE_ARGUMENT) {
    const message = node.arguments[MESSAGE_ARGUMENT[node.callee.name]]
    if (message && message.type !== 'SpreadElement') found.push(message)
  }
  for (const key in node) if (key !== 'type') visit(node[key], found)
}

/** The source with every message argument guarded, or undefined when it has none. */
export function devOnlyMessages(code, lang = 'ts') {
  if (!/new (AuthError|LoginRequiredError)\b/.test(code)) return undefined
  const messages = []
  visit(parseAst(code, { lang }), messages)
  if (!messages.length) return undefined
  let out = ''
  let at = 0
  for (const { start, end } of messages.sort((a, b) => a.start - b.start)) {
    out += `${code.slice(at, start)}(${DEVELOPMENT} ? ${code.slice(start, end)} : '')`
    at = end
  }
  return out + code.slice(at)
}

const isLibrarySource = (id) => /\/src\/.*\.tsx?$/.test(id) && !id.includes('/node_modules/')

/** Vite/Rolldown plugin for the library build. */
export function devMessagesPlugin() {
  return {
    name: 'tabauth:dev-only-messages',
    transform(code, id) {
      if (!isLibrarySource(id)) return undefined
      const out = devOnlyMessages(code, id.endsWith('x') ? 'tsx' : 'ts')
      return out === undefined ? undefined : { code: out, map: null }
    },
  }
}

/** The same for esbuild (`npm run size` bundles the source directly, for its per-module breakdown). */
export function devMessagesEsbuildPlugin() {
  return {
    name: 'tabauth:dev-only-messages',
    setup(build) {
      build.onLoad({ filter: /\/src\/.*\.tsx?$/ }, async ({ path }) => {
        const { readFile } = await import('node:fs/promises')
        const code = await readFile(path, 'utf8')
        const lang = path.endsWith('x') ? 'tsx' : 'ts'
        return { contents: devOnlyMessages(code, lang) ?? code, loader: lang }
      })
    },
  }
}
