/**
 * Token timing rules, in one place: when a token stops being fresh, when it is
 * past use, and when a tab should wake up by itself.
 *
 * A tab keeps one timer while something renders the session: a visible tab
 * refreshes ahead of expiry, or after a transient failure at the next retry
 * time. A hidden tab never refreshes on its own (its timers are throttled, and a
 * visible tab's refresh reaches it over the channel); at expiry it only re-reads
 * the store, so that its snapshot tells the truth. Offline nothing is timed
 * while backing off: the `online` wake-up retries.
 */
import type { TokenSet } from './store'

/**
 * When a token stops being "fresh". The margin scales with the token's lifetime
 * (at most `skewMs`, at most a quarter of it), so a 3-second test token is not
 * stale from birth and a 5-minute token is not refreshed every few seconds.
 */
export function refreshAt(tokens: TokenSet, skewMs: number): number {
  if (tokens.expiresAt === undefined) return Number.POSITIVE_INFINITY
  return tokens.expiresAt - Math.min(skewMs, (tokens.expiresAt - tokens.issuedAt) / 4)
}

export function isFresh(tokens: TokenSet, skewMs: number, now: number): boolean {
  return now < refreshAt(tokens, skewMs)
}

/** Stale perhaps, but still accepted by servers: what a caller can use while a refresh is retried. */
export function unexpired(tokens: TokenSet, now: number, rejected?: string): boolean {
  return tokens.accessToken !== rejected && now < (tokens.expiresAt ?? Infinity)
}

export interface WakeFacts {
  /** Something renders the session (a subscribed listener). */
  listening: boolean
  /** The session's tokens, when this tab's snapshot is signedIn or an outage (the session kept). */
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
