/**
 * The one timer a tab keeps while something renders the session: a visible tab
 * refreshes ahead of expiry, or after a transient failure at the next retry
 * time. A hidden tab never refreshes on its own (its timers are throttled, and a
 * visible tab's refresh reaches it over the channel); at expiry it only re-reads
 * the store, so that its snapshot tells the truth. Offline nothing is timed
 * while backing off: the `online` wake-up retries.
 */
import type { Clock } from './adapters'
import { refreshAt } from './refresh'
import type { TokenSet } from './store'

export interface WakeFacts {
  /** Something renders the session (a subscribed listener). */
  listening: boolean
  /** The session's tokens, when this tab's snapshot is signedIn or error with a session kept. */
  tokens: TokenSet | undefined
  /** No refresh before this time (a transient failure's backoff); 0 when none. */
  retryAt: number
  online: boolean
  visible: boolean
  skewMs: number
  now: number
}

/** When this tab should try a refresh by itself; Infinity for never. */
export function nextWakeAt(facts: WakeFacts): number {
  if (!facts.listening || !facts.tokens) return Number.POSITIVE_INFINITY
  if (facts.retryAt > facts.now && !facts.online) return Number.POSITIVE_INFINITY
  const expiresAt = facts.tokens.expiresAt ?? Number.POSITIVE_INFINITY
  // A hidden tab whose token expired has nothing to wait for until a backoff step ends (or it wakes).
  if (!facts.visible && expiresAt <= facts.now && facts.retryAt <= facts.now) return Number.POSITIVE_INFINITY
  const due = Math.max(facts.visible ? refreshAt(facts.tokens, facts.skewMs) : expiresAt, facts.retryAt)
  // Also at expiry, so that the snapshot says so when the token dies during a backoff.
  return expiresAt > facts.now ? Math.min(due, expiresAt) : due
}

export class Timer {
  private cancel: (() => void) | undefined

  constructor(private readonly clock: Clock) {}

  /** Replaces any armed timer with one at `at` (ms since the epoch); Infinity arms none. */
  set(at: number, fn: () => void): void {
    this.clear()
    const delay = at - this.clock.now()
    if (Number.isFinite(delay)) this.cancel = this.clock.setTimeout(fn, Math.min(Math.max(delay, 0), 2 ** 31 - 1))
  }

  clear(): void {
    this.cancel?.()
    this.cancel = undefined
  }
}
