/**
 * Transient refresh failures (network, timeout, 5xx, 408, 429): capped exponential backoff, one
 * schedule for every tab. The tab whose request failed writes the schedule into the shared store
 * (refresh.ts); every tab follows it (machine.ts keeps it in the model), so the server sees one
 * request per retry step whatever the number of tabs.
 */
import { AuthError } from './errors'
import type { RetrySchedule } from './store'

export interface RetryOptions {
  /** Attempts for a caller that has no valid token left, before it gets the failure (the tab shows `outage` meanwhile, and the retries go on). Default 4. */
  attempts?: number
  /** First delay; doubles per failure. Default 1000 ms. */
  baseMs?: number
  /** Cap on the delay. Default 30 000 ms. */
  maxMs?: number
}

/** The backoff a tab follows: part of its model (machine.ts). */
export interface Backoff {
  /** Transient failures in a row, as the shared schedule counts them. */
  failures: number
  /** No refresh before this time, however many callers ask; 0 for none. */
  retryAt: number
  /** The failure callers get while backing off without a usable token. */
  error?: AuthError
  /** The tab woke (online, visible) at this time: the next refresh may try once inside the schedule. */
  wokeAt?: number
}

export const noBackoff: Backoff = { failures: 0, retryAt: 0 }

/** True while callers must not cause a request: they get the usable token, or the backoff's error. */
export function backingOff(backoff: Backoff, now: number): boolean {
  return backoff.error !== undefined && now < backoff.retryAt
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

/** The failure that set the shared schedule, as an error for the callers (and tabs) that did not see it. */
export function scheduledError(retry: RetrySchedule): AuthError {
  return new AuthError(retry.error.code, retry.error.message, { status: retry.error.status })
}
