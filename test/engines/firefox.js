// Firefox driver: Firefox ESR through puppeteer-core over WebDriver BiDi (no geckodriver). Tabs
// are opened as windows: a background *tab* is hidden and its timers are clamped to about 1 s.
import puppeteer from 'puppeteer-core'

export const firefoxPath = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr'

export async function launch() {
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: firefoxPath, headless: true })
  return {
    name: 'firefox',
    version: `Firefox ${(await browser.version()).replace(/^firefox\//, '')}`,
    pause: 'not wired up: BiDi has no debugger and Firefox’s own remote debugging protocol is not driven by this rig yet',
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
