/**
 * Cross-tab refresh: the one place where a refresh token is spent.
 *
 * Every tab that finds its access token stale calls `refreshSession`. Inside an
 * exclusive lock shared by all tabs it re-reads the session store; if another
 * tab already refreshed, it adopts that result; otherwise it refreshes once with
 * the refresh token it just read (never a copy from memory, which may be rotated
 * already) and writes the result under the next generation.
 */
import type { Lock } from './adapters'
import { AuthError, isTransient, type AuthErrorCode, type InvalidGrantReason } from './errors'
import { explainInvalidGrant, HINTS, type ServerTexts } from './explain'
import type { OAuth } from './oauth'
import { backoffMs, scheduledError, type RetryOptions } from './backoff'
import { isFresh } from './timing'
import { emptyRecord, parseRecord, type RetrySchedule, type SessionRecord, type SessionStore, type TokenSet } from './store'

export interface SessionContext {
  store: SessionStore
  /** The store key and the lock name: one per issuer and client. */
  key: string
  lock: Lock
  lockTimeoutMs: number
  oauth: OAuth
  skewMs: number
  retry: RetryOptions
  now(): number
  /** The server's words, read into reasons (`tabauth/server-texts`), when the app added them. */
  serverTexts?: ServerTexts
}

export type RefreshOutcome =
  | { kind: 'refreshed'; record: SessionRecord }
  /** Another tab refreshed first (or the session moved on): nothing was sent. */
  | { kind: 'adopted'; record: SessionRecord }
  /** The refresh token can't be used again (refused, or its answer lost): the session was ended for every tab. */
  | { kind: 'ended'; record: SessionRecord; error: AuthError }
  /** A transient failure, now or earlier in any tab: `record.retry` says when the next try may go out. */
  | { kind: 'transient'; record: SessionRecord & { retry: RetrySchedule }; error: AuthError; sent: boolean }

/**
 * Every way a refresh request can end, by what came back. After any answer that is not
 * transient, the refresh token that got it is never sent again, by any tab: the session
 * ends (a re-login), or, when the server rejects the client itself, every tab shows the
 * configuration error. The same table is in the README ("Refresh endings").
 *
 * | answer                                                       | error code       | ending                                    |
 * | ------------------------------------------------------------ | ---------------- | ----------------------------------------- |
 * | none: network error, timeout before the headers              | NETWORK, TIMEOUT | transient (the shared schedule)           |
 * | 5xx, 408, 429 (any body)                                     | SERVER_ERROR     | transient (the shared schedule)           |
 * | 4xx `invalid_grant`                                          | INVALID_GRANT    | session ended, reasons from explain.ts    |
 * | 4xx `invalid_client`, `unauthorized_client`, 401 challenge,  | CONFIG           | client misconfigured (`client_rejected`)  |
 * |   `unsupported_grant_type`, `invalid_scope`                  |                  |                                           |
 * | 4xx with another OAuth error (`invalid_request`, invented)   | OAUTH_ERROR      | session ended (`server_refused`)          |
 * | 4xx without an OAuth error (empty, HTML, other non-JSON)     | REFUSED          | session ended (`server_refused_without_reason`) |
 * | 2xx that can't be read or that tabauth refuses               | INVALID_RESPONSE | session ended (`token_response_unusable`) |
 */
function endingFor(error: unknown, sent: boolean, answered: boolean): InvalidGrantReason | 'transient' | undefined {
  if (isTransient(error)) return 'transient'
  // An answer came (its status is known), or the failure came after one was read: the token may be spent.
  if (!sent || (!answered && (error as AuthError | undefined)?.status === undefined)) return undefined
  // INVALID_GRANT's reasons come from explain.ts, with the refresh's facts.
  return ENDING_REASON[(error as AuthError).code] ?? 'token_response_unusable'
}

const ENDING_REASON: Partial<Record<AuthErrorCode, InvalidGrantReason>> = { CONFIG: 'client_rejected', OAUTH_ERROR: 'server_refused', REFUSED: 'server_refused_without_reason' }

function pastLifetime(tokens: TokenSet, now: number): boolean {
  return tokens.refreshExpiresAt !== undefined && now >= tokens.refreshExpiresAt
}

export interface RefreshOptions {
  /** An access token a resource server rejected (401 invalid_token): refresh even if it looks fresh, unless the store holds another one. */
  rejected?: string
  /**
   * This tab woke (back online, visible again) at this time: one try may go out
   * inside the backoff, unless another tab already tried since (its failure is newer).
   */
  wokeAt?: number
}

export async function refreshSession(ctx: SessionContext, { rejected, wokeAt }: RefreshOptions = {}): Promise<RefreshOutcome> {
  return withSessionLock(ctx, async () => {
    const record = await readRecord(ctx)
    const session = record.session
    const usable = session && isFresh(session.tokens, ctx.skewMs, ctx.now()) && session.tokens.accessToken !== rejected
    if (!session || usable) return { kind: 'adopted', record }
    // Inside the shared backoff (another tab's failure, or this one's): nothing is sent.
    const retry = record.retry
    if (retry && ctx.now() < retry.notBefore && !(wokeAt !== undefined && retry.at < wokeAt)) return { kind: 'transient', record: { ...record, retry }, error: scheduledError(retry), sent: false }
    if (!session.tokens.refreshToken) {
      const error = new AuthError(
        'LOGIN_REQUIRED',
        'The access token expired and there is no refresh token (request the offline_access scope, or enable refresh tokens for this client at the server).',
        { reasons: ['no_refresh_token'] },
      )
      return { kind: 'ended', record: await endSession(ctx, record, 'reloginRequired', error.reasons), error }
    }
    if (pastLifetime(session.tokens, ctx.now())) {
      // The server told us when this refresh token dies: don't send a request we know it rejects.
      const error = new AuthError('LOGIN_REQUIRED', `${HINTS.refresh_token_lifetime_exceeded ?? 'The refresh token reached its fixed lifetime: sign in again'}.`, {
        reasons: ['refresh_token_lifetime_exceeded'],
      })
      return { kind: 'ended', record: await endSession(ctx, record, 'reloginRequired', error.reasons), error }
    }
    let discovered = false
    let answered = false
    try {
      const { token_endpoint: url } = await ctx.oauth.discover()
      discovered = true
      const { tokens, claims } = await ctx.oauth.refresh(session.tokens)
      answered = true
      // https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse — same user, or nothing is stored.
      if (claims && session.user && claims.sub !== session.user.sub)
        throw new AuthError('INVALID_RESPONSE', "The refreshed ID token names another user (sub) than the session's.", { status: 200, url })
      const next = nextRecord(record, {
        session: {
          // A server that does not rotate omits refresh_token (and often id_token): keep ours.
          tokens: {
            ...tokens,
            refreshToken: tokens.refreshToken ?? session.tokens.refreshToken,
            refreshExpiresAt: tokens.refreshExpiresAt ?? (tokens.refreshToken ? undefined : session.tokens.refreshExpiresAt),
            idToken: tokens.idToken ?? session.tokens.idToken,
          },
          user: claims ?? session.user,
        },
      })
      await ctx.store.set(ctx.key, next)
      return { kind: 'refreshed', record: next }
    } catch (error) {
      const ending = endingFor(error, discovered, answered)
      // Nothing transient, and the refresh token never went out (no metadata, or a DPoP proof could not be made).
      if (!ending) throw error
      if (ending === 'transient') return { kind: 'transient', record: await recordFailure(ctx, record, error as AuthError), error: error as AuthError, sent: true }
      // Without Web Locks another tab may have rotated the token meanwhile: its newer session is fine.
      const latest = await readRecord(ctx)
      if (latest.generation > record.generation && latest.session) return { kind: 'adopted', record: latest }
      const failure = error instanceof AuthError ? error : new AuthError('INVALID_RESPONSE', `The refresh's answer could not be stored: ${String(error)}`, { cause: error })
      const explained =
        failure.code === 'INVALID_GRANT'
          ? explainInvalidGrant(failure, { grant: 'refresh_token', crossTabLock: ctx.lock.crossTab, lifetimeExceeded: pastLifetime(session.tokens, ctx.now()) }, ctx.serverTexts)
          : failure
      // Ended so that no tab ever sends this refresh token again; the reason goes with the record, so every tab shows why.
      return { kind: 'ended', record: await endSession(ctx, record, 'reloginRequired', explained.reasons ?? [ending]), error: explained }
    }
  })
}

/** The next step of the shared backoff, written for every tab (same generation: the session did not change). */
async function recordFailure(ctx: SessionContext, record: SessionRecord, error: AuthError): Promise<SessionRecord & { retry: RetrySchedule }> {
  const failures = (record.retry?.failures ?? 0) + 1
  const retry: RetrySchedule = {
    failures,
    at: ctx.now(),
    notBefore: ctx.now() + backoffMs(failures, error, ctx.retry),
    error: { code: error.code as RetrySchedule['error']['code'], message: error.message, status: error.status },
  }
  const next = { ...record, retry }
  await ctx.store.set(ctx.key, next)
  return next
}

/** Writes `update(current)` as the next generation, under the lock. */
export async function writeSession(ctx: SessionContext, update: (current: SessionRecord) => Pick<SessionRecord, 'session' | 'ended'>): Promise<{ previous: SessionRecord; record: SessionRecord }> {
  return withSessionLock(ctx, async () => {
    const previous = await readRecord(ctx)
    const record = nextRecord(previous, update(previous))
    await ctx.store.set(ctx.key, record)
    return { previous, record }
  })
}

async function endSession(ctx: SessionContext, current: SessionRecord, ended: 'signedOut' | 'reloginRequired', reasons?: InvalidGrantReason[]): Promise<SessionRecord> {
  // The reasons go with the record, so every tab can show why, not only the one that asked the server.
  const record = nextRecord(current, { session: null, ended, ...(reasons ? { reasons } : {}) })
  await ctx.store.set(ctx.key, record)
  return record
}

/**
 * Every write takes the next generation. The time of the last automatic re-login
 * is carried over: the loop window spans sessions and refreshes, so a grant that
 * keeps dying can't loop through the tabs.
 */
function nextRecord(current: SessionRecord, fields: Pick<SessionRecord, 'session' | 'ended' | 'reasons'>): SessionRecord {
  return { v: 1, generation: current.generation + 1, ...fields, reloginClaimedAt: current.reloginClaimedAt }
}

/** Storage is input: a corrupt or foreign value is removed (under the lock, so a valid write is never lost). */
export async function repairStore(ctx: SessionContext): Promise<void> {
  await withSessionLock(ctx, async () => {
    const raw = await ctx.store.get(ctx.key)
    if (raw !== undefined && !parseRecord(raw)) await ctx.store.set(ctx.key, { ...emptyRecord, generation: 1 })
  })
}

/** The record once any refresh in flight (in any tab) has ended: what it wrote, or the failure it recorded. */
export function readSettledRecord(ctx: SessionContext): Promise<SessionRecord> {
  return withSessionLock(ctx, () => readRecord(ctx))
}

/** A corrupt or foreign value in the store is no session. */
export async function readRecord(ctx: Pick<SessionContext, 'store' | 'key'>): Promise<SessionRecord> {
  return parseRecord(await ctx.store.get(ctx.key)) ?? emptyRecord
}

export async function withSessionLock<T>(ctx: SessionContext, fn: () => Promise<T>): Promise<T> {
  // Bounded wait: a frozen or hung tab holding the lock must not block this one forever.
  const signal = AbortSignal.timeout(ctx.lockTimeoutMs)
  try {
    return await ctx.lock.run(`tabauth:${ctx.key}`, fn, { signal })
  } catch (error) {
    if (signal.aborted && !(error instanceof AuthError)) {
      // Not TIMEOUT: nothing was sent; another tab's refresh is still under way (frozen, or a slow server).
      throw new AuthError('REFRESH_PENDING', `Waited ${ctx.lockTimeoutMs} ms for another tab to finish its refresh; it has not yet.`, { cause: error })
    }
    throw error
  }
}
