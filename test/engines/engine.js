// The engine-neutral rig: what a scenario may do with a browser, whatever drives it.
//
// An engine driver (chromium.js, firefox.js, webkit.js) exports `launch(): Promise<Engine>`:
//
//   Engine  { name, version, pause: true | string,  // true, or why this engine cannot pause a page
//             newProfile(): Promise<Profile>, close(): Promise<void> }
//   Profile { newTab(url): Promise<Tab>, close(): Promise<void> }   // a fresh storage partition
//   Tab     { goto(url), evaluate(fn, arg?), pause(schedule)?, resume()?, close() }
//
// - Tabs of one profile share IndexedDB, Web Locks and BroadcastChannel, and are separate
//   *windows* (or unthrottled), so a background tab's timers are not clamped.
// - `evaluate(fn, arg)` runs a self-contained function in the page and returns its (awaited,
//   JSON-able) result. Keep it short: WebKit runs one WebDriver command at a time for all tabs, so
//   anything that waits is started by one evaluate and polled by others (see `waitFor`).
// - `pause(schedule)` attaches the engine's debugger, evaluates `schedule` (which queues a task with
//   a `debugger` statement) and resolves once the page is stopped there; `resume()` lets it go.
//
// Pages are instrumented by the rig's app server (see `instrument` below), not by the drivers:
// WebDriver has no init scripts, and one instrumentation for every engine is the point.

/**
 * Injected before the app's scripts into every page the app server serves:
 *  - visibility: `document.visibilityState` is 'hidden' unless the rig sets `__tabVisible`, so a
 *    scenario decides which tab (if any) refreshes on its own timer;
 *  - events: every event of the page's client, stamped with Date.now() (one clock for all tabs);
 *  - log: console errors and warnings and uncaught errors (WebKit's driver has no console).
 */
export function instrument() {
  const w = /** @type {any} */ (window)
  w.__tabVisible = false
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (w.__tabVisible ? 'visible' : 'hidden') })
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => !w.__tabVisible })
  w.__tabEvents = []
  w.__tabLog = []
  for (const level of ['error', 'warn']) {
    const original = console[level]
    console[level] = (...args) => {
      w.__tabLog.push(`console.${level}: ${args.map(String).join(' ')}`)
      original.apply(console, args)
    }
  }
  addEventListener('error', (event) => w.__tabLog.push(`pageerror: ${event.message}`))
  addEventListener('unhandledrejection', (event) => w.__tabLog.push(`unhandledrejection: ${event.reason}`))
  // The app assigns `window.tabauth = client` once; subscribe at that moment, before any event.
  Object.defineProperty(window, 'tabauth', {
    configurable: true,
    set(client) {
      Object.defineProperty(window, 'tabauth', { value: client, configurable: true, writable: true })
      client.onEvent((event) => w.__tabEvents.push({ type: event.type, generation: event.generation, at: Date.now() }))
    },
  })
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `fn` until `until(value)`; throws with the last value and `describe()` after `timeout` ms. */
export async function waitFor(fn, until, { timeout = 15_000, interval = 50, message = 'condition', describe = async () => '' } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await fn()
    if (until(value)) return value
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${message}; last value: ${JSON.stringify(value)} ${await describe()}`)
    }
    await sleep(interval)
  }
}

/** `evaluate`, or undefined when the page cannot answer now (navigating) within a second. */
export async function tryEvaluate(tab, fn, arg) {
  let timer
  try {
    return await Promise.race([tab.evaluate(fn, arg), new Promise((resolve) => (timer = setTimeout(resolve, 1000)))])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

/** The status the app renders, or undefined while it is not rendered. */
export function status(tab) {
  return tryEvaluate(tab, () => document.querySelector('[data-testid="status"]')?.textContent ?? undefined)
}

/** Where the page is and what it logged: for failure messages. */
export async function describe(tab) {
  const facts = await tryEvaluate(tab, () => ({ url: location.href, error: document.querySelector('[data-testid="error"]')?.textContent, log: window.__tabLog?.slice(-10) }))
  return facts
    ? `\n  at ${facts.url}${facts.error ? `\n  page shows error: ${facts.error}` : ''}${facts.log?.length ? `\n  page log:\n    ${facts.log.join('\n    ')}` : ''}`
    : '\n  (page did not answer)'
}

/** Waits until the app shows `expected`; fails at once on `error` (it is final). */
export async function waitForStatus(tab, expected, timeout = 20_000) {
  const deadline = Date.now() + timeout
  for (;;) {
    const shown = await status(tab)
    if (shown === expected) return
    if (shown === 'error' || Date.now() >= deadline) {
      throw new Error(`${shown === 'error' ? 'gave up' : `timed out after ${timeout} ms`} waiting for status ${expected}; shows ${shown}${await describe(tab)}`)
    }
    await sleep(50)
  }
}
