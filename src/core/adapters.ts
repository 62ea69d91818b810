/**
 * Every side effect enters the core through one of these small interfaces.
 * The browser defaults look globals up when they are called, not when this
 * module loads, so importing tabauth on a server is safe and tests can inject fakes.
 */

export interface Clock {
  now(): number
  /** Returns a function that cancels the timer. */
  setTimeout(fn: () => void, ms: number): () => void
}

/** A small synchronous key/value store: sessionStorage by default (login transactions, hints). */
export interface KeyValueStorage {
  get(key: string): string | null
  set(key: string, value: string): void
  remove(key: string): void
}

/** Runs `fn` while holding an exclusive lock shared by every tab of the origin. */
export interface Lock {
  run<T>(name: string, fn: () => Promise<T>, options: { signal: AbortSignal }): Promise<T>
  /** False when the lock only orders callers inside one tab (no Web Locks). */
  readonly crossTab: boolean
}

/** A broadcast channel between the tabs of the origin. Messages are not delivered to the sender. */
export interface Channel {
  post(message: unknown): void
  subscribe(listener: (message: unknown) => void): () => void
}

export interface Navigation {
  /** The page's current URL (absolute). */
  currentUrl(): string
  /** A full-page navigation, e.g. to the authorization server. */
  assign(url: string): void
  /** Replaces the current history entry without loading a page (cleans the callback URL). */
  replace(url: string): void
  /** Closes this window (a sign-in popup, once its callback is done). */
  close?(): void
}

/** The handle of a sign-in popup (`tabauth/popup`), as its opener sees it. */
export interface PopupWindow {
  /** True once the user closed it; also true at once when the server's COOP header cut the popup off from its opener. */
  readonly closed: boolean
  navigate(url: string): void
  close(): void
}

/** The page's visibility, connectivity and wake-ups (visible again, back online, resumed from freeze, restored from the back/forward cache). */
export interface PageLifecycle {
  isVisible(): boolean
  isOnline(): boolean
  onWake(listener: () => void): () => void
}

export const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const id = globalThis.setTimeout(fn, ms)
    return () => globalThis.clearTimeout(id)
  },
}

export function webStorage(kind: 'sessionStorage' | 'localStorage'): KeyValueStorage {
  // Storage can be missing (SSR) or throw (privacy modes, quota): treat it as empty.
  const storage = (): Storage | undefined => {
    try {
      return globalThis[kind]
    } catch {
      return undefined
    }
  }
  return {
    get: (key) => {
      try {
        return storage()?.getItem(key) ?? null
      } catch {
        return null
      }
    },
    set: (key, value) => storage()?.setItem(key, value),
    remove: (key) => {
      try {
        storage()?.removeItem(key)
      } catch {
        /* nothing to remove */
      }
    },
  }
}

/**
 * Web Locks when the browser has them. Without them (old Safari, insecure contexts)
 * this falls back to a lock that only orders callers inside this tab; the generation
 * check in the session store still keeps tabs from overwriting newer sessions.
 */
export function browserLock(): Lock {
  const inTab = inTabLock()
  return {
    get crossTab() {
      return globalThis.navigator?.locks !== undefined
    },
    run(name, fn, options) {
      const locks = globalThis.navigator?.locks
      if (!locks) return inTab.run(name, fn, options)
      return locks.request(name, { mode: 'exclusive', signal: options.signal }, () => fn()) as Promise<Awaited<ReturnType<typeof fn>>>
    },
  }
}

/** Exclusive per name within one JavaScript realm: a promise chain per lock name. */
export function inTabLock(): Lock {
  const tails = new Map<string, Promise<unknown>>()
  return {
    crossTab: false,
    run<T>(name: string, fn: () => Promise<T>, { signal }: { signal: AbortSignal }) {
      const previous = tails.get(name) ?? Promise.resolve()
      const result = new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(signal.reason)
        signal.addEventListener('abort', onAbort, { once: true })
        void previous.then(() => {
          signal.removeEventListener('abort', onAbort)
          if (signal.aborted) return reject(signal.reason)
          fn().then(resolve, reject)
        })
      })
      // The next caller waits for the previous holder and for this one's work, even if this one gave up waiting.
      const tail = Promise.all([previous, result.catch(() => undefined)])
      tails.set(name, tail)
      void tail.then(() => tails.get(name) === tail && tails.delete(name))
      return result
    },
  }
}

export function browserChannel(name: string): Channel {
  let channel: BroadcastChannel | undefined
  const open = () => {
    if (!channel && typeof BroadcastChannel !== 'undefined') channel = new BroadcastChannel(name)
    return channel
  }
  return {
    post: (message) => open()?.postMessage(message),
    subscribe(listener) {
      const c = open()
      if (!c) return () => {}
      const onMessage = (event: MessageEvent) => listener(event.data)
      c.addEventListener('message', onMessage)
      return () => c.removeEventListener('message', onMessage)
    },
  }
}

export const browserNavigation: Navigation = {
  currentUrl: () => globalThis.location.href,
  assign: (url) => globalThis.location.assign(url),
  replace: (url) => globalThis.history.replaceState(globalThis.history.state, '', url),
  close: () => globalThis.close(),
}

export const browserLifecycle: PageLifecycle = {
  isVisible: () => globalThis.document?.visibilityState !== 'hidden',
  isOnline: () => globalThis.navigator?.onLine !== false,
  onWake(listener) {
    const doc = globalThis.document
    if (!doc) return () => {}
    const onVisibility = () => doc.visibilityState === 'visible' && listener()
    const onPageShow = (event: PageTransitionEvent) => event.persisted && listener()
    doc.addEventListener('visibilitychange', onVisibility)
    doc.addEventListener('resume', listener)
    globalThis.addEventListener('pageshow', onPageShow)
    globalThis.addEventListener('online', listener)
    return () => {
      globalThis.removeEventListener('online', listener)
      doc.removeEventListener('visibilitychange', onVisibility)
      doc.removeEventListener('resume', listener)
      globalThis.removeEventListener('pageshow', onPageShow)
    }
  },
}
