// Chromium driver: Debian's Chromium through playwright-core. Every page of a context is
// visible and unthrottled in headless mode; pausing uses CDP's debugger.
import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath } from '../../scripts/lib/chromium.js'

export const pause = true

export async function launch() {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  return {
    name: 'chromium',
    version: `Chromium ${browser.version()}`,
    pause,
    async newProfile() {
      const context = await browser.newContext()
      context.setDefaultTimeout(15_000)
      return {
        async newTab(url) {
          const page = await context.newPage()
          await page.goto(url)
          return tab(context, page)
        },
        close: () => context.close(),
      }
    },
    close: () => browser.close(),
  }
}

function tab(context, page) {
  let cdp
  return {
    goto: (url) => page.goto(url).then(() => {}),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    async pause(schedule) {
      cdp = await context.newCDPSession(page)
      await cdp.send('Debugger.enable')
      const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve))
      await page.evaluate(schedule)
      await paused
    },
    resume: () => cdp.send('Debugger.resume'),
    close: () => page.close(),
  }
}
