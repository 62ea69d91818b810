/**
 * Transient refresh failures (network, timeout, 5xx, 429): capped exponential
 * backoff, one schedule for every tab. The tab whose request failed writes the
 * schedule into the shared store (refresh.ts); every tab follows it, so the
 * server sees one request per retry step whatever the number of tabs. Kept apart
 * from the client the way TanStack Query keeps its retryer.
 */
import type { Clock } from './adapters'
import { isTransient, type AuthError } from './errors'
import { backoffMs, type RetryOptions } from './retry'
import type { RetrySchedule } from './store'

export interface RetryHooks {
  /** The token a caller may still use while the refresh is retried (unexpired), if any. */
  usableToken(): string | undefined
  isOnline(): boolean
  /** A failure left the caller without a usable token: the snapshot must say so at once. */
  onUnusable(error: AuthError): void
  /** The schedule moved: re-arm the tab's timer. */
  onScheduled(): void
}

export class Retryer {
  /** Transient failures in a row, as the shared schedule counts them. */
  private failures = 0
  /** No refresh before this time, however many callers ask. */
  retryAt = 0
  lastFailure: AuthError | undefined
  private wokeAt: number | undefined

  constructor(
    private readonly clock: Clock,
    private readonly options: RetryOptions,
  ) {}

  /** True while callers must not cause a request: they get the usable token or `lastFailure`. */
  backingOff(): boolean {
    return this.lastFailure !== undefined && this.clock.now() < this.retryAt
  }

  /** Takes on the shared schedule (written by this tab or another). */
  follow(schedule: RetrySchedule, error: AuthError): void {
    this.backOff(schedule.failures, schedule.notBefore, error)
  }

  private backOff(failures: number, retryAt: number, error: AuthError): void {
    this.failures = failures
    this.retryAt = retryAt
    this.lastFailure = error
  }

  /** A new session (here or in another tab) ends the backoff. */
  clear(): void {
    this.failures = 0
    this.retryAt = 0
    this.lastFailure = undefined
  }

  /** Back online or back to the user: worth one try now (one for all tabs, see refreshSession). */
  wake(): void {
    this.retryAt = 0
    this.wokeAt = this.clock.now()
  }

  /** The wake-up the next refresh may use, once. */
  takeWake(): number | undefined {
    const wokeAt = this.wokeAt
    this.wokeAt = undefined
    return wokeAt
  }

  /**
   * Runs `attempt`, retrying transient failures on the schedule. A caller whose
   * token is still valid gets it at once and the retry continues on the client's
   * timer; a caller without one waits until the schedule has counted `attempts`
   * failures, then gets the error.
   */
  async run(attempt: () => Promise<string>, hooks: RetryHooks): Promise<string> {
    for (;;) {
      try {
        return await attempt()
      } catch (error) {
        if (!isTransient(error)) throw error
        const failure = error as AuthError
        // No shared schedule came with it (e.g. the wait for the lock timed out): this tab backs off alone.
        if (this.lastFailure !== failure) this.backOff(this.failures + 1, this.clock.now() + backoffMs(this.failures + 1, failure, this.options), failure)
        hooks.onScheduled()
        const usable = hooks.usableToken()
        if (usable !== undefined) return usable
        hooks.onUnusable(failure)
        if (this.failures >= (this.options.attempts ?? 4) || !hooks.isOnline()) throw failure
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, Math.max(0, this.retryAt - this.clock.now())))
      }
    }
  }
}
