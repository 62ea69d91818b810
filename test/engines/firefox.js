// Firefox driver: Firefox ESR through puppeteer-core over WebDriver BiDi (no geckodriver). Tabs
// are opened as windows: a background *tab* is hidden and its timers are clamped to about 1 s.
import puppeteer from 'puppeteer-core'

export const firefoxPath = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr'

// Measured with Firefox's remote debugging protocol (attach the tab's thread, stop at a
// `debugger` statement): the stopped page still adopted both rotations, so it is no freeze.
export const pause =
  'BiDi has no debugger, and a page stopped by Firefox’s own debugger still handles BroadcastChannel and IndexedDB (it adopted both rotations while stopped): no way to freeze a page'

export async function launch() {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: firefoxPath, headless: true })
  return {
    name: 'firefox',
    version: `Firefox ${(await browser.version()).replace(/^firefox\//, '')}`,
    pause,
    async newProfile() {
      const context = await browser.createBrowserContext()
      return {
        async newTab(url) {
          const page = await context.newPage({ type: 'window' })
          page.setDefaultTimeout(15_000)
          await page.goto(url)
          return {
            goto: (to) => page.goto(to).then(() => {}),
            evaluate: (fn, arg) => page.evaluate(fn, arg),
            close: () => page.close(),
          }
        },
        close: () => context.close(),
      }
    },
    close: () => browser.close(),
  }
}
