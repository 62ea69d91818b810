import type { KeyValueStorage } from './adapters'
import { AuthError } from './errors'
import type { Tab } from './flows'

/**
 * The loop breaker for redirects nobody clicked (the route guard's autoLogin, the automatic
 * re-login of `tabauth/relogin`). It lives in sessionStorage, so it survives the redirect to the
 * server and back: a tab may redirect by itself at most once per window, whatever the server does.
 */
export type ReloginBreaker = ReturnType<typeof reloginBreaker>

export function reloginBreaker(storage: KeyValueStorage, key: string, windowMs: number) {
  return {
    windowMs,
    /** True when this tab has not redirected by itself within the window. */
    allowed(now: number): boolean {
      const last = Number(storage.get(key))
      return !(Number.isFinite(last) && last > 0 && now - last < windowMs)
    },
    record: (now: number) => storage.set(key, String(now)),
    /** What the app is told instead of a second automatic redirect. */
    loopError: () => new AuthError('RELOGIN_LOOP', `An automatic sign-in already ran in this tab less than ${windowMs / 1000} s ago: sign in by hand.`),
  }
}

/**
 * `relogin()` from 'tabauth/relogin': `createAuthClient({ relogin: relogin({ redirect: true, waitMs }) })`.
 * Only its type is here: an app that shows the prompt and rejects at once (the default) ships none of it.
 */
export interface Relogin {
  /** Called once per client. */
  bind(ctx: ReloginContext): ReloginHandler
}

export interface ReloginHandler {
  /** The session now waits for a re-login: on entering reloginRequired, and again when the tab wakes in it. */
  required(): void
  /** getAccessToken() found no session while reloginRequired: wait for another tab's re-login, or reject with `error`. */
  wait(error: AuthError): Promise<string>
}

/** The tab's client as the flows see it (flows.ts), and its login(). */
export interface ReloginContext extends Tab {
  login(): Promise<unknown>
}
