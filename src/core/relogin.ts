import type { KeyValueStorage } from './adapters'
import { AuthError } from './errors'

/**
 * The loop breaker for automatic re-login redirects. It lives in sessionStorage,
 * so it survives the redirect to the server and back: a tab may redirect by
 * itself at most once per window, whatever the server does.
 */
export class ReloginBreaker {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
    private readonly windowMs: number,
  ) {}

  /** True when this tab has not redirected by itself within the window. */
  allowed(now: number): boolean {
    const last = Number(this.storage.get(this.key))
    return !(Number.isFinite(last) && last > 0 && now - last < this.windowMs)
  }

  record(now: number): void {
    this.storage.set(this.key, String(now))
  }

  /** What the app is told instead of a second automatic redirect. */
  loopError(): AuthError {
    return new AuthError('RELOGIN_LOOP', `An automatic sign-in already ran in this tab less than ${this.windowMs / 1000} s ago: sign in by hand.`)
  }
}

export interface AutoRelogin {
  /** relogin: 'redirect' */
  enabled: boolean
  isVisible(): boolean
  breaker: ReloginBreaker
  now(): number
  /** Takes the re-login on for every tab: true for exactly one tab per window (the shared store decides). */
  claim(): Promise<boolean>
  login(): Promise<unknown>
  /** This tab already redirected by itself within the window: the app should show the prompt with this error. */
  onLoop(error: AuthError): void
}

/** relogin: 'redirect' — exactly one visible tab goes to the server, at most once per window per tab. */
export async function reloginByRedirect(auto: AutoRelogin): Promise<void> {
  if (!auto.enabled || !auto.isVisible()) return
  try {
    if (!auto.breaker.allowed(auto.now())) {
      auto.onLoop(auto.breaker.loopError())
      return
    }
    if (!(await auto.claim())) return // another tab took it on; this one adopts the result
    auto.breaker.record(auto.now())
    await auto.login()
  } catch {
    // Could not claim or reach the server: the prompt stays, nothing loops.
  }
}
