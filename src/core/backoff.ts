/**
 * The shared backoff after transient refresh failures (network, timeout, 5xx, 429): capped
 * exponential delays, one schedule for every tab. The tab whose request failed writes the schedule
 * into the shared store (refresh.ts); every tab follows it, so the server sees one request per
 * retry step whatever the number of tabs. `Backoff` is this tab's copy, held in the model
 * (machine.ts); the loop that waits between tries is in access.ts.
 */
import type { AuthError } from './errors'
import type { RetrySchedule } from './store'

export interface RetryOptions {
  /** Attempts for a caller that has no valid token left, before reporting `error`. Default 4. */
  attempts?: number
  /** First delay; doubles per failure. Default 1000 ms. */
  baseMs?: number
  /** Cap on the delay. Default 30 000 ms. */
  maxMs?: number
}

/**
 * Capped exponential backoff with "equal jitter" (half fixed, half random), so
 * that tabs and clients that failed together do not retry together. A server's
 * Retry-After wins when it asks for longer.
 */
export function backoffMs(failures: number, error: AuthError, options: RetryOptions, random = Math.random): number {
  const base = options.baseMs ?? 1000
  const max = options.maxMs ?? 30_000
  const exponential = Math.min(max, base * 2 ** Math.max(0, failures - 1))
  const jittered = exponential / 2 + random() * (exponential / 2)
  return Math.max(jittered, Math.min(error.retryAfterMs ?? 0, 10 * max))
}

export interface Backoff {
  /** Transient failures in a row, as the shared schedule counts them. */
  failures: number
  /** No refresh before this time (ms), however many callers ask; 0 when none. */
  retryAt: number
  /** The failure that set `retryAt`: what callers without a usable token are told. */
  lastFailure?: AuthError
  /** This tab woke (online, visible) at this time: its next refresh may try once inside the backoff. */
  wokeAt?: number
}

export const noBackoff: Backoff = { failures: 0, retryAt: 0 }

/** True while callers must not cause a request: they get the usable token or `lastFailure`. */
export function backingOff(backoff: Backoff, now: number): boolean {
  return backoff.lastFailure !== undefined && now < backoff.retryAt
}

/** The next step: the shared schedule when the failure came with one, else this tab backs off alone (e.g. the lock wait timed out). */
export function failed(backoff: Backoff, error: AuthError, schedule: RetrySchedule | undefined, ownDelayMs: number, now: number): Backoff {
  if (schedule) return { ...backoff, failures: schedule.failures, retryAt: schedule.notBefore, lastFailure: error }
  return { ...backoff, failures: backoff.failures + 1, retryAt: now + ownDelayMs, lastFailure: error }
}
