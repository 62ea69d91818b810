import type { AuthError } from './errors'

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
