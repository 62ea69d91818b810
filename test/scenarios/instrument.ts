// Injected by the rig's app server (app.ts) before the app's scripts into every page it serves, in
// every engine (WebDriver has no init scripts; one instrumentation for all engines is the point).
// Everything is stamped with the page's Date.now(): one machine, one clock for the pages and the rig.
//  - visibility: 'hidden' unless the rig sets `__rig.visible` (or localStorage `rig:visible` = '1'
//    at load), so a scenario decides which tab, if any, refreshes on its own timer;
//  - events: every event of the page's client (`window.tabauth.onEvent`);
//  - shown: every change of what the app shows (status and error testids), from a MutationObserver;
//  - fetches: every fetch() the page makes, with its start and end: "no request in flight" is an
//    event the rig can wait for, where a network-idle wait would only guess;
//  - loads: how many documents this tab has loaded (sessionStorage survives navigation): a tab that
//    went to the provider and came back has loaded more than one;
//  - log: console errors and warnings and uncaught errors (WebKit's driver has no console).

export interface RigFetch {
  url: string
  method: string
  start: number
  end?: number
  status?: number
}

export interface RigState {
  visible: boolean
  events: Array<{ type: string; generation?: number; at: number }>
  shown: Array<{ status?: string; error?: string; at: number }>
  fetches: RigFetch[]
  log: string[]
  loads: number
}

declare global {
  interface Window {
    __rig: RigState
  }
}

export function instrument(): void {
  const rig: RigState = { visible: localStorage.getItem('rig:visible') === '1', events: [], shown: [], fetches: [], log: [], loads: 0 }
  window.__rig = rig
  rig.loads = Number(sessionStorage.getItem('rig:loads') ?? 0) + 1
  sessionStorage.setItem('rig:loads', String(rig.loads))
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (rig.visible ? 'visible' : 'hidden') })
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => !rig.visible })
  for (const level of ['error', 'warn'] as const) {
    const original = console[level]
    console[level] = (...args: unknown[]) => {
      rig.log.push(`console.${level}: ${args.map(String).join(' ')}`)
      original.apply(console, args)
    }
  }
  addEventListener('error', (event) => rig.log.push(`pageerror: ${event.message}`))
  addEventListener('unhandledrejection', (event) => rig.log.push(`unhandledrejection: ${event.reason}`))
  const original = window.fetch.bind(window)
  window.fetch = (input, init) => {
    const request = new Request(input, init)
    const entry: RigFetch = { url: request.url, method: request.method, start: Date.now() }
    rig.fetches.push(entry)
    return original(input, init).then(
      (response) => ((entry.end = Date.now()), (entry.status = response.status), response),
      (error: unknown) => ((entry.end = Date.now()), (entry.status = 0), Promise.reject(error)),
    )
  }
  let last = ''
  const record = () => {
    const status = document.querySelector('[data-testid="status"]')?.textContent ?? undefined
    const error = document.querySelector('[data-testid="error"]')?.textContent ?? undefined
    if (`${status}|${error}` === last) return
    last = `${status}|${error}`
    rig.shown.push({ status, error, at: Date.now() })
  }
  new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true })
  // The app assigns `window.tabauth = client` once; subscribe at that moment, before any event.
  Object.defineProperty(window, 'tabauth', {
    configurable: true,
    set(client: Window['tabauth']) {
      Object.defineProperty(window, 'tabauth', { value: client, configurable: true, writable: true })
      client.onEvent((event) => rig.events.push({ type: event.type, generation: 'generation' in event ? (event.generation as number) : undefined, at: Date.now() }))
    },
  })
}
