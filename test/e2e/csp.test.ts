// The example app, built for production and served with a strict Content-Security-Policy (no eval,
// no inline script or style, Trusted Types on): sign-in and a refresh work and nothing is blocked.
// It has its own provider and server, because the CSP names the provider's origin.
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { build } from 'vite'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startProvider } from '../../scripts/provider.js'
import { launchBrowser, waitFor, waitForStatus } from './helpers.ts'

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }

let server: Server
let provider: Awaited<ReturnType<typeof startProvider>>
let browser: Browser
let outDir: string
let appUrl: string
let policy: string

/** Serves the built app: files as they are, every other path (e.g. /callback) as index.html. */
function serve(request: { url?: string }, response: import('node:http').ServerResponse) {
  const path = new URL(request.url ?? '/', appUrl).pathname
  const file = path.startsWith('/assets/') ? join(outDir, path) : join(outDir, 'index.html')
  readFile(file).then(
    (body) => response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': policy }).end(body),
    () => response.writeHead(404).end(),
  )
}

beforeAll(async () => {
  server = createServer(serve)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  appUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  provider = await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [appUrl], accessTokenTtl: 4, quiet: true })
  policy = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${provider.issuer}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
  ].join('; ')
  outDir = await mkdtemp(join(tmpdir(), 'tabauth-csp-'))
  process.env.VITE_ISSUER = provider.issuer
  await build({
    configFile: fileURLToPath(new URL('../../example/vite.config.ts', import.meta.url)),
    mode: 'production',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  })
  browser = await launchBrowser()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await provider?.close()
  await new Promise((resolve) => server?.close(resolve))
  if (outDir) await rm(outDir, { recursive: true, force: true })
})

async function openWatched(): Promise<{ page: Page; violations: string[] }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  const violations: string[] = []
  // Blocked code that throws (a Trusted Types refusal in the app) surfaces as a page error.
  page.on('pageerror', (error) => void violations.push(`pageerror: ${error.message}`))
  await page.exposeFunction('__cspViolation', (text: string) => void violations.push(text))
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      ;(window as unknown as { __cspViolation(text: string): void }).__cspViolation(`${event.violatedDirective} ${event.blockedURI}`)
    })
  })
  return { page, violations }
}

const PROBE = 'http://probe.invalid/blocked.png'

test('sign-in and refresh under a strict CSP: nothing blocked, and the policy is really on', async () => {
  const { page, violations } = await openWatched()
  const response = await page.goto(appUrl)
  expect(response?.headers()['content-security-policy']).toBe(policy)
  await waitForStatus(page, 'signedOut')
  // The policy is enforced and the watch sees it: Trusted Types refuse a script URL, img-src a foreign image.
  const scriptSrc = await page.evaluate(() => {
    try {
      document.createElement('script').src = 'data:text/javascript,1'
      return 'assigned'
    } catch {
      return 'refused'
    }
  })
  expect(scriptSrc).toBe('refused')
  await page.evaluate((src) => document.body.append(Object.assign(document.createElement('img'), { src })), PROBE)
  await waitFor(() => violations.some((v) => v.includes(PROBE)), Boolean, { timeout: 5_000, message: 'the blocked image to be reported' })
  const probes = violations.length // the two above, reported in order

  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await waitForStatus(page, 'signedIn', 30_000)
  // A 4-second token: the visible tab refreshes ahead of expiry.
  await waitFor(
    () => provider.counts().token.refresh_token.success,
    (n) => n >= 1,
    { timeout: 15_000, message: 'a refresh' },
  )
  expect(await waitForStatus(page, 'signedIn')).toBe('signedIn')
  expect(provider.counts().token.refresh_token.error).toBe(0)
  expect(violations.slice(probes)).toEqual([])
  await page.context().close()
})
