// Serves a built app on 127.0.0.1 at a free port; unknown paths get index.html (the app routes /callback),
// unless `options.fallback` is set to false: then they get the host's 404, as a host without the SPA fallback.
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import { extname, join, normalize } from 'node:path'

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' }

/** Resolves to { url, close, options } once listening; `options.fallback` (true) can be changed at any time. */
export function serveStatic(dir) {
  const options = { fallback: true }
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    let file = join(dir, path)
    if (!existsSync(file) || statSync(file).isDirectory()) {
      if (!options.fallback && path !== '/') {
        response.writeHead(404, { 'content-type': 'text/html' })
        response.end('<!doctype html><title>404 Not Found</title><h1>Not Found</h1><p>The requested URL was not found on this server.</p>')
        return
      }
      file = join(dir, 'index.html')
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(response)
  })
  return new Promise((resolve, reject) => {
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}`
      resolve({ url, options, close: () => new Promise((done) => server.close(done)) })
    })
  })
}
