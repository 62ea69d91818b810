/**
 * Token timing rules, in one place: when a token is stale (refreshed ahead of expiry), when it is
 * still usable, and when a tab wakes by itself. A visible tab refreshes ahead of expiry, or after
 * a transient failure at the next retry time. A hidden tab never refreshes on its own (its timers
 * are throttled, and a visible tab's refresh reaches it over the channel); at expiry it only
 * re-reads the store, so that its snapshot tells the truth. Offline nothing is timed while backing
 * off: the `online` wake-up retries.
 */
import type { TokenSet } from './store'

/**
 * When a token stops being "fresh". The margin scales with the token's lifetime
 * (at most `skewMs`, at most a quarter of it), so a 3-second test token is not
 * stale from birth and a 5-minute token is not refreshed every few seconds.
 */
export function refreshAt(tokens: TokenSet, skewMs: number): number {
  if (tokens.expiresAt === undefined) return Infinity
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
  /** The session's tokens, when this tab's snapshot keeps a session (signedIn, or an outage). */
  tokens: TokenSet | undefined
  /** No refresh before this time (a transient failure's backoff); 0 when none. */
  retryAt: number
  online: boolean
  visible: boolean
  skewMs: number
  now: number
}

/** When this tab should wake by itself (refresh when visible, re-read the store when hidden); Infinity for never. */
export function nextWakeAt({ listening, tokens, retryAt, online, visible, skewMs, now }: WakeFacts): number {
  if (!listening || !tokens || (retryAt > now && !online)) return Infinity
  const expiresAt = tokens.expiresAt ?? Infinity
  // A hidden tab whose token expired has nothing to wait for until a backoff step ends (or it wakes).
  if (!visible && expiresAt <= now && retryAt <= now) return Infinity
  const due = Math.max(visible ? refreshAt(tokens, skewMs) : expiresAt, retryAt)
  // Also at expiry, so that the snapshot says so when the token dies during a backoff.
  return expiresAt > now ? Math.min(due, expiresAt) : due
}
