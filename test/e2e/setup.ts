// Global setup for the e2e project: the real dev OpenID provider and the example app on a Vite
// dev server (development mode on purpose: React StrictMode double-runs effects only there).
import { createServer as createNetServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import type { TestProject } from 'vitest/node'
import { startProvider } from '../../scripts/provider.js'
import { chromiumArgs, chromiumPath } from '../chromium.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The dev provider's issuer URL, e.g. http://127.0.0.1:41234 */
    issuer: string
    /** The example app's origin, e.g. http://127.0.0.1:41235 */
    appUrl: string
  }
}

/** A TCP port that is free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/**
 * Loads the app once in a real browser so Vite transforms every module and pre-bundles every
 * dependency before the first test (a late discovery would reload the page in the middle of a test).
 */
async function warmUp(appUrl: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  try {
    const page = await browser.newPage()
    await page.goto(appUrl, { waitUntil: 'networkidle', timeout: 30_000 })
    // Best effort: if the app cannot render yet, the tests will say why.
    await page
      .getByTestId('status')
      .waitFor({ timeout: 10_000 })
      .catch(() => {})
  } finally {
    await browser.close()
  }
}

export default async function setup(project: TestProject) {
  const appPort = await freePort()
  const appUrl = `http://127.0.0.1:${appPort}`

  const provider = await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [appUrl], quiet: true })
  let vite: ViteDevServer | undefined
  try {
    // Vite puts VITE_* variables from the environment into import.meta.env.
    process.env.VITE_ISSUER = provider.issuer
    vite = await createServer({
      configFile: fileURLToPath(new URL('../../example/vite.config.ts', import.meta.url)),
      // No file watching: an edit to src/ during a run would reload every test page mid-test.
      server: { host: '127.0.0.1', port: appPort, strictPort: true, watch: null, hmr: false },
      logLevel: 'warn',
      clearScreen: false,
    })
    await vite.listen()
    await warmUp(appUrl)
  } catch (error) {
    await vite?.close()
    await provider.close()
    throw error
  }

  project.provide('issuer', provider.issuer)
  project.provide('appUrl', appUrl)

  return async () => {
    await vite?.close()
    await provider.close()
    delete process.env.VITE_ISSUER
  }
}
