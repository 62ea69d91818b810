// `npm start`: the dev OpenID provider (http://127.0.0.1:9000) + the example app's Vite dev server
// (http://127.0.0.1:5173), in one process. Ctrl-C / SIGTERM stops both.
//
//   node scripts/start.js [--interactive] [other scripts/provider.js flags]
//   env: ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, INTERACTIVE=1 (see scripts/provider.js)
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as path from 'node:path'

import { parseProviderArgs, startProvider, CLIENT_ID, TEST_USER } from './provider.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const VITE_CONFIG = path.join(ROOT, 'example', 'vite.config.ts')
const APP_HOST = '127.0.0.1'
const APP_PORT = 5173
const APP_URL = `http://${APP_HOST}:${APP_PORT}`

let providerOptions
try {
  providerOptions = parseProviderArgs(process.argv.slice(2))
} catch (err) {
  console.error(`start: ${err.message}`)
  process.exit(2)
}
if (!existsSync(VITE_CONFIG)) {
  console.error(`start: ${path.relative(process.cwd(), VITE_CONFIG)} not found (the example app is missing)`)
  process.exit(1)
}

let op
let vite
try {
  op = await startProvider({
    ...providerOptions,
    port: providerOptions.port ?? 9000,
    // The app's origins are fixed by the Vite server below.
    appOrigins: [APP_URL, `http://localhost:${APP_PORT}`],
    quiet: true,
  })
} catch (err) {
  console.error(`start: could not start the provider: ${err.code === 'EADDRINUSE' ? `port ${providerOptions.port ?? 9000} is in use` : err.message}`)
  process.exit(1)
}

try {
  // Vite copies VITE_* variables from process.env into import.meta.env.
  process.env.VITE_ISSUER = op.issuer
  const { createServer } = await import('vite')
  // Vite installs its own SIGTERM listener that closes only Vite and exits with 143; drop it so
  // our handler below stops both servers and exits 0.
  const ownListeners = new Set(process.listeners('SIGTERM'))
  vite = await createServer({
    configFile: VITE_CONFIG,
    server: { host: APP_HOST, port: APP_PORT, strictPort: true },
  })
  for (const l of process.listeners('SIGTERM')) if (!ownListeners.has(l)) process.off('SIGTERM', l)
  await vite.listen()
} catch (err) {
  console.error(`start: could not start Vite: ${err.message}`)
  await vite?.close().catch(() => {})
  await op.close()
  process.exit(1)
}

const interactive = Boolean(providerOptions.interactive)
const ttl = op.settings()
console.log(`
  tabauth example      open ${APP_URL}
  OpenID provider      ${op.issuer}   (client_id ${CLIENT_ID}; test API ${op.issuer}/__test/counts)
  test user            ${
    interactive ? 'login form: any login name and password (only "alice" has the full profile)' : `${TEST_USER.sub} (${TEST_USER.name}, ${TEST_USER.email}), signed in and consented automatically`
  }
  token lifetimes      access ${ttl.accessTokenTtl} s, refresh ${ttl.refreshTokenTtl} s

  Ctrl-C stops both.
`)

let stopping = false
async function stop(signal) {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping the example app and the provider…`)
  const force = setTimeout(() => process.exit(0), 3000) // never hang on shutdown
  force.unref()
  await Promise.allSettled([vite.close(), op.close()])
  process.exit(0)
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
