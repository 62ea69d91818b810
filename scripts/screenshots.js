// `npm run screenshots`: the demo's screenshots for the README, taken in headless Chromium against
// the real dev provider and the example app's Vite dev server (what `npm start` serves), on free ports.
//   docs/demo-two-tabs.png   two tabs side by side after one refresh served both
//   docs/demo-relogin.png    the revoked session: both tabs ask "Sign in again", the typed note kept
//   docs/demo-phone.png      the signed-in page on a phone-sized viewport
// Fails when a step does not happen, the phone view overflows, or a page logs a console error other
// than Chromium's own line for the 401 and 400 the demo provokes on purpose (expire, revoke).
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createServer } from 'vite'
import { chromiumArgs, chromiumPath } from './lib/chromium.js'
import { freePort } from './lib/free-port.js'
import { startProvider } from './provider.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const docs = join(root, 'docs')
const TAB = { width: 640, height: 1000 }
const PHONE = { width: 390, height: 844 }
const consoleErrors = []
// Chromium logs every 4xx response as a console error; these two are the demo's point.
const PROVOKED = /^Failed to load resource: the server responded with a status of (401|400) /

/** A page that records its console errors and failed requests. */
async function open(context, url) {
  const page = await context.newPage()
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${page.url()}: ${m.text()}`))
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`))
  await page.goto(url)
  return page
}

const status = (page) => page.getByTestId('status')
const waitForStatus = (page, value) =>
  status(page)
    .filter({ hasText: new RegExp(`^${value}$`) })
    .waitFor()
const text = (page, testId) => page.getByTestId(testId).textContent()

async function signIn(page) {
  await waitForStatus(page, 'signedOut')
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await waitForStatus(page, 'signedIn')
}

/** Waits until every page shows the same generation, above `after`. */
async function sameGeneration(pages, after) {
  for (const page of pages) {
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=generation]')?.textContent) > n, after)
  }
  return Promise.all(pages.map((page) => text(page, 'generation')))
}

/** One PNG of several pages side by side: the pages' own screenshots laid out in a blank page. */
async function sideBySide(browser, pages, file, fullPage = false) {
  const shots = await Promise.all(pages.map((page) => page.screenshot({ fullPage })))
  const page = await browser.newPage({ viewport: { width: TAB.width * pages.length + 16 * (pages.length + 1), height: 100 } })
  const images = shots.map((png) => `<img src="data:image/png;base64,${png.toString('base64')}" width="${TAB.width}">`)
  await page.setContent(`<body style="margin:0;padding:16px;display:flex;align-items:flex-start;gap:16px;background:#9aa3b2">${images.join('')}</body>`)
  await page.screenshot({ path: file, fullPage: true })
  await page.close()
}

async function main() {
  const port = await freePort()
  const app = { url: `http://127.0.0.1:${port}` }
  const op = await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [app.url], quiet: true })
  // Vite copies VITE_* variables from process.env into import.meta.env.
  process.env.VITE_ISSUER = op.issuer
  const vite = await createServer({ configFile: join(root, 'example/vite.config.ts'), logLevel: 'warn', server: { port, strictPort: true, watch: null } })
  await vite.listen()
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  try {
    const context = await browser.newContext({ viewport: TAB })
    context.setDefaultTimeout(15_000)
    const first = await open(context, app.url)
    await signIn(first)
    const second = await open(context, app.url)
    await waitForStatus(second, 'signedIn')
    if (consoleErrors.length) throw new Error(`console errors on load and sign-in:\n  ${consoleErrors.join('\n  ')}`)

    // One refresh for both tabs: the first tab's access token dies at the provider, its notes call gets 401.
    await first.getByRole('button', { name: 'Expire the token now' }).click()
    const generations = await sameGeneration([first, second], 1)
    await first.getByTestId('notes').waitFor()
    await second.getByText('adopted the token from another tab').first().waitFor()
    await first.waitForTimeout(300) // the counts panel re-reads after the last entry
    await sideBySide(browser, [first, second], join(docs, 'demo-two-tabs.png'))
    const afterRefresh = op.counts().token.refresh_token

    // A dead grant: a note typed in the second tab, the session revoked from the first.
    await second.getByTestId('note-input').fill('Typed before the session ended')
    await first.getByRole('button', { name: 'Revoke the session at the provider' }).click()
    await Promise.all([first, second].map((p) => waitForStatus(p, 'reloginRequired')))
    await Promise.all([first, second].map((p) => p.getByRole('button', { name: 'Sign in again', exact: true }).waitFor()))
    await second.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined))
    await first.waitForTimeout(300)
    await sideBySide(browser, [first, second], join(docs, 'demo-relogin.png'), true)
    const afterRevoke = op.counts().token.refresh_token
    await context.close()

    op.reset() // the phone's counts start from zero
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true })
    const small = await open(phone, app.url)
    await signIn(small)
    await small.getByTestId('notes').waitFor()
    await small.waitForTimeout(300)
    await small.screenshot({ path: join(docs, 'demo-phone.png'), fullPage: true })
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
    await phone.close()

    console.log(`generations after the expiry: ${generations.join(', ')}`)
    console.log(`refresh requests: ${afterRefresh.success} ok after the expiry (2 tabs), then ${afterRevoke.error} invalid_grant after the revocation`)
    console.log(`phone viewport ${PHONE.width} px: ${overflow} px of horizontal overflow`)
    for (const name of ['demo-two-tabs.png', 'demo-relogin.png', 'demo-phone.png']) {
      console.log(`docs/${name}: ${Math.round(statSync(join(docs, name)).size / 1024)} KB`)
    }
    const unexpected = consoleErrors.filter((line) => !PROVOKED.test(line.slice(line.indexOf(': ') + 2)))
    console.log(`console errors: ${consoleErrors.length - unexpected.length} provoked 401/400 responses, ${unexpected.length} others`)
    if (unexpected.length) throw new Error(`console errors:\n  ${unexpected.join('\n  ')}`)
    if (overflow > 0) throw new Error('the page is wider than a phone')
  } finally {
    await browser.close()
    await vite.close()
    await op.close()
  }
}

await main()
