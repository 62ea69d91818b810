/** The Chromium that tests and the bench drive: Debian's by default, CHROMIUM_PATH to use another. */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Flags that let Chromium run headless as root in a container, without calling out to the network. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
