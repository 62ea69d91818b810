/**
 * The session flows of one tab: start (read the store, or finish the sign-in callback), sync and
 * settle (learn what other tabs wrote), getAccessToken (refresh, retry on the shared schedule,
 * wait for a re-login) and logout. Each awaits its I/O, then sends the machine one message saying
 * what happened (machine.ts): no flow changes what the tab shows by itself. Single-flight
 * promises (`started`, `refreshing`, `syncing`) stay here, outside the model.
 */
import { backingOff, backoffMs } from './backoff'
import { finishSignIn, toAuthError } from './callback'
import type { Setup } from './config'
import { AuthError, isTransient, LoginRequiredError } from './errors'
import { logoutAtServer } from './logout'
import type { Message, Model } from './machine'
import { readRecord, readSettledRecord, refreshSession, repairStore, writeSession } from './refresh'
import { isMisconfigured } from './state'
import { emptyRecord, parseRecord, type SessionRecord } from './store'
import { isFresh, unexpired } from './timing'
import type { ReloginHandler } from './relogin'
import type { AuthEvent, LogoutOptions, LogoutResult } from './types'
import { isCallback } from './url'

/**
 * A refresh (or a hidden tab's read of the store) that ends this soon after expiry shows no
 * REFRESH_PENDING: no status flickers on an ordinary refresh, nor on a read slowed by a loaded machine.
 */
const PENDING_SHOWN_AFTER_MS = 1_000

/** What the flows get from the client (client.ts). */
export interface Tab {
  setup: Setup
  model(): Model
  send(message: Message): void
  /** A timer on the client's clock that dispose() cancels; `onDispose` runs then instead of `fn`. */
  after(ms: number, fn: () => void, onDispose?: () => void): () => void
  onEvent(listener: (event: AuthEvent) => void): () => void
  /** What `tabauth/relogin` does, when the app asked for it. */
  relogin?: ReloginHandler
  /** Subscribes the tab to its inputs (channel, store, wake-ups): once, at start. */
  wire(): void
  /** The error a disposed client's callers get. */
  disposed(): AuthError
}

export function sessionFlows(tab: Tab) {
  const { setup, send, model } = tab
  const { session: ctx, clock, config } = setup
  let started: Promise<void> | undefined
  let refreshing: Promise<string> | undefined
  let syncing: Promise<void> | undefined
  /** Counts the waits of `whilePending`, so that each ends only the REFRESH_PENDING it showed. */
  let waits = 0

  async function boot() {
    tab.wire()
    let current: URL
    try {
      current = new URL(setup.navigation.currentUrl())
    } catch {
      return send({ type: 'loaded', record: emptyRecord }) // no page (server-side rendering): signed out
    }
    if (isCallback(current, new URL(setup.redirectUri()))) return send({ type: 'callback', outcome: await finishSignIn(setup, current) })
    const raw = await ctx.store.get(ctx.key).catch(() => undefined)
    const parsed = parseRecord(raw)
    if (raw !== undefined && !parsed) await repairStore(ctx).catch(() => {})
    send({ type: 'loaded', record: parsed ?? emptyRecord })
  }

  function start(): Promise<void> {
    return (started ??= boot().catch((error) => send({ type: 'failed', error: toAuthError(error) })))
  }

  /** Re-reads the store and adopts a newer generation (another tab wrote it). */
  function sync(): Promise<void> {
    syncing ??= readRecord(ctx)
      .then((record) => send({ type: 'seen', record }))
      .catch(() => {}) // the store is unreadable right now; the next read retries
      .finally(() => (syncing = undefined))
    return syncing
  }

  /**
   * A hidden tab at expiry, or any tab told of another's failed refresh: the record once the lock
   * holder is done, which adopts what another tab wrote or shows the outage it met. Sends nothing.
   */
  async function settle(): Promise<void> {
    let record: SessionRecord
    try {
      record = await whilePending(tab, readSettledRecord(ctx), ++waits)
    } catch (error) {
      // The lock holder is still busy (frozen, or a slow server): go on waiting, showing REFRESH_PENDING.
      if (isCode(error, 'REFRESH_PENDING') && model().record.session) return settle()
      record = model().record
    }
    send({ type: 'settled', record })
  }

  /** `rejected`: an access token a resource server refused (401 invalid_token), see fetchWithToken.ts. */
  async function getAccessToken({ rejected }: { rejected?: string } = {}): Promise<string> {
    await start()
    const { record, backoff } = model()
    const session = record.session
    const now = clock.now()
    if (session && isFresh(session.tokens, ctx.skewMs, now) && session.tokens.accessToken !== rejected) return session.tokens.accessToken
    if (!session) return waitForSession()
    if (!refreshing && backingOff(backoff, now)) {
      // Backing off: callers get the still-valid token, and the server gets no request. The message
      // shows the outage once the token has expired (a timer that fired early is set again by arm()).
      send({ type: 'askedInBackoff' })
      if (unexpired(session.tokens, now, rejected)) return session.tokens.accessToken
      // Expired during the backoff: the caller waits for the next shared attempt below.
    }
    refreshing ??= whilePending(tab, refreshWithRetry(rejected), ++waits).finally(() => (refreshing = undefined))
    return refreshing
  }

  /** No session: reject at once, or (`tabauth/relogin`'s waitMs) wait for another tab's re-login to bring one. */
  function waitForSession(): Promise<string> {
    const error = noSessionError(model())
    return tab.relogin && model().state.status === 'reloginRequired' ? tab.relogin.wait(error) : Promise.reject(error)
  }

  /**
   * Retries transient failures on the shared schedule. A caller whose token is still valid gets it
   * at once and the retry goes on by the tab's timer; a caller without one waits until the schedule
   * has counted `retry.attempts` failures, then gets the error. dispose() ends the wait (DISPOSED).
   */
  async function refreshWithRetry(rejected?: string): Promise<string> {
    for (;;) {
      try {
        return await refresh(rejected)
      } catch (error) {
        if (!isTransient(error)) throw error
        const failure = error as AuthError
        // No shared schedule came with it (the wait for the lock timed out): this tab backs off alone.
        const failures = model().backoff.failures + 1
        if (model().backoff.error !== failure) send({ type: 'refreshFailed', error: failure, failures, retryAt: clock.now() + backoffMs(failures, failure, ctx.retry), rejected })
        const { record, backoff } = model()
        const session = record.session
        if (session && unexpired(session.tokens, clock.now(), rejected)) return session.tokens.accessToken
        if (backoff.failures >= (ctx.retry.attempts ?? 4) || !setup.lifecycle.isOnline()) throw failure
        await new Promise<void>((resolve, reject) => tab.after(Math.max(0, backoff.retryAt - clock.now()), resolve, () => reject(tab.disposed())))
      }
    }
  }

  async function refresh(rejected?: string): Promise<string> {
    const { wokeAt } = model().backoff
    send({ type: 'refreshStarted' })
    const outcome = await refreshSession(ctx, { rejected, wokeAt })
    const { record } = outcome
    if (outcome.kind === 'transient') {
      const { failures, notBefore } = outcome.record.retry
      send({ type: 'refreshFailed', error: outcome.error, failures, retryAt: notBefore, sent: outcome.sent, rejected })
      throw outcome.error
    }
    if (outcome.kind === 'ended') {
      const cause = outcome.error
      // Every tab reports a dead session as LOGIN_REQUIRED; this tab also knows the server's answer and its likely
      // reason. A rejected client: the callers here get the server's own answer (CONFIG).
      const error = isMisconfigured(record)
        ? cause
        : new LoginRequiredError(cause.message, { cause, error: cause.error, status: cause.status, contentType: cause.contentType, reasons: record.reasons, url: cause.url })
      send({ type: 'ended', record, error, cause })
      throw error
    }
    send({ type: outcome.kind, record })
    if (!record.session) throw noSessionError(model())
    return record.session.tokens.accessToken
  }

  async function logout(options: LogoutOptions = {}): Promise<LogoutResult> {
    await start()
    const { previous, record } = await writeSession(ctx, () => ({ session: null, ended: 'signedOut' }))
    await setup.dpop?.forget() // the key and its nonces, for every tab: the next sign-in makes a new key
    send({ type: 'signedOut', record })
    // The local session is gone either way; what the server did is reported, never a reason to stay signed in.
    const postLogoutRedirectUri = config.postLogoutRedirectUri ?? `${setup.origin()}/`
    const { result, endSessionUrl } = await logoutAtServer(setup.oauth, previous.session?.tokens, { localOnly: options.localOnly, postLogoutRedirectUri })
    send({ type: 'loggedOut', result, endSessionUrl })
    return result
  }

  return { start, sync, settle, getAccessToken, logout }
}

/**
 * While `work` (a refresh, or the wait for another tab's) runs past the token's expiry, the snapshot
 * says so (REFRESH_PENDING), never signedIn without a usable token. Unless the lock wait timed out (the
 * caller waits again), the state the work leaves is the record's. `by` tells this wait from the others.
 */
function whilePending<T>({ model, send, after, setup }: Tab, work: Promise<T>, by: number): Promise<T> {
  const tokens = model().record.session?.tokens
  const now = setup.clock.now()
  const at = Math.max(tokens?.expiresAt ?? Infinity, now + PENDING_SHOWN_AFTER_MS)
  if (!tokens || !Number.isFinite(at)) return work // no session, or a token that never expires
  const cancel = after(at - now, () => send({ type: 'pending', by, tokens }))
  const done = (lockTimedOut: boolean) => {
    cancel()
    send({ type: 'pendingEnded', by, lockTimedOut })
  }
  work.then(
    () => done(false),
    (error) => done(isCode(error, 'REFRESH_PENDING')),
  )
  return work
}

/** Why there is no token: the ended session's error (a re-login, or the server's rejection of the client), else sign-in required. */
function noSessionError({ state, record }: Model): AuthError {
  if (state.status === 'reloginRequired' || (state.status === 'error' && isMisconfigured(record))) return state.error
  return new LoginRequiredError()
}

function isCode(error: unknown, code: AuthError['code']): boolean {
  return error instanceof AuthError && error.code === code
}
