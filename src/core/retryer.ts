/**
 * Transient refresh failures (network, timeout, 5xx, 429): capped exponential
 * backoff, and no request at all while backing off, however many callers ask.
 * Kept apart from the client the way TanStack Query keeps its retryer.
 */
import type { Clock } from './adapters'
import { isTransient, type AuthError } from './errors'
import { backoffMs, type RetryOptions } from './retry'

export interface RetryHooks {
  /** The token a caller may still use while the refresh is retried (unexpired), if any. */
  usableToken(): string | undefined
  isOnline(): boolean
  /** A transient failure; the next try is in `delayMs`. */
  onFailure(error: AuthError, delayMs: number): void
  /** No usable token and no attempts left (or offline): the caller gets the error. */
  onGiveUp(error: AuthError): void
}

export class Retryer {
  /** Transient failures in a row. */
  private failures = 0
  /** No refresh before this time after a transient failure. */
  retryAt = 0
  lastFailure: AuthError | undefined

  constructor(
    private readonly clock: Clock,
    private readonly options: RetryOptions,
  ) {}

  /** True while callers must not cause a request: they get the usable token or `lastFailure`. */
  backingOff(): boolean {
    return this.lastFailure !== undefined && this.clock.now() < this.retryAt
  }

  /** A success (here or in another tab) ends the backoff. */
  clear(): void {
    this.failures = 0
    this.retryAt = 0
  }

  /** Back online or back to the user: worth one try now. */
  wake(): void {
    this.retryAt = 0
  }

  /**
   * Runs `attempt`, retrying transient failures. A caller whose token is still
   * valid gets it at once and the retry continues on the client's timer; a caller
   * without one waits for up to `attempts` tries, then gets the error.
   */
  async run(attempt: () => Promise<string>, hooks: RetryHooks): Promise<string> {
    for (;;) {
      try {
        return await attempt()
      } catch (error) {
        if (!isTransient(error)) throw error
        const failure = error as AuthError
        this.failures++
        const delay = backoffMs(this.failures, failure, this.options)
        this.retryAt = this.clock.now() + delay
        this.lastFailure = failure
        hooks.onFailure(failure, delay)
        const usable = hooks.usableToken()
        if (usable !== undefined) return usable
        if (this.failures >= (this.options.attempts ?? 4) || !hooks.isOnline()) {
          hooks.onGiveUp(failure)
          throw failure
        }
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, delay))
      }
    }
  }
}
