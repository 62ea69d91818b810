// The app every scenario drives: one production build of the example app (built once per run:
// no dev server whose late module transforms could reload a page mid-scenario), served by a small
// server per provider, which injects the rig's instrumentation (instrument.ts) into every page and
// points the app at that provider. `/__rig/blank` is an empty page on the app's origin, where the rig
// writes a profile's localStorage (another server config, the relogin policy) before the app loads.
import { readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { build } from 'vite'
import { instrument } from './instrument.ts'

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' }

/** Builds the example app into `outDir` (the issuer comes from localStorage at run time, see example/auth.ts). */
export async function buildApp(root: string, outDir: string): Promise<void> {
  process.env.VITE_ISSUER = 'http://127.0.0.1:9' // never used: every page is told its provider (below)
  process.env.VITE_SERVER_SWITCH = '1' // the demo reads its server from localStorage only when asked to
  await build({ configFile: join(root, 'example/vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
}

export interface AppServer {
  url: string
  /** What the app is told about its server unless a profile wrote its own (localStorage `tabauth-demo:server`). */
  setServer(server: Record<string, unknown>): void
  close(): Promise<void>
}

export async function serveApp(dir: string): Promise<AppServer> {
  let server: Record<string, unknown> = {}
  const head = () =>
    `<head><script>(${instrument})();` + `if (!localStorage.getItem('tabauth-demo:server')) localStorage.setItem('tabauth-demo:server', ${JSON.stringify(JSON.stringify(server))})</script>`
  const page = () => readFileSync(join(dir, 'index.html'), 'utf8').replace('<head>', head())
  const http: Server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    response.setHeader('cache-control', 'no-store')
    if (path === '/__rig/blank') {
      response.setHeader('content-type', 'text/html')
      return void response.end('<!doctype html><title>rig</title>')
    }
    const file = join(dir, path)
    let isFile = false
    try {
      isFile = path !== '/' && statSync(file).isFile()
    } catch {
      // No such file: the app answers.
    }
    if (isFile) {
      response.setHeader('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      response.end(readFileSync(file))
    } else {
      // Every other path (/, /callback) is the app.
      response.setHeader('content-type', 'text/html')
      response.end(page())
    }
  })
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done))
  const { port } = http.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    setServer: (value) => void (server = value),
    close: () =>
      new Promise<void>((done) => {
        http.close(() => done())
        http.closeAllConnections()
      }),
  }
}
