/**
 * Getting an access token: fresh → at once; else one refresh per tab in flight (refresh.ts does the
 * cross-tab part under the lock), retried on the shared backoff; no session → reject, or wait for
 * another tab's re-login. Each attempt ends in one message to the machine.
 */
import { backoffMs } from './backoff'
import { AuthError, isTransient, LoginRequiredError } from './errors'
import { inBackoff } from './machine'
import { refreshSession } from './refresh'
import type { Runtime } from './runtime'
import type { RetrySchedule } from './store'
import { isFresh, unexpired } from './timing'

/** A refresh that ends this soon after expiry shows no REFRESH_PENDING: no status flickers on every ordinary refresh. */
const PENDING_SHOWN_AFTER_MS = 200

type Attempt = { token: string } | { failure: AuthError; schedule?: RetrySchedule; sent: boolean }

export function accessFlows(rt: Runtime, start: () => Promise<void>) {
  const { c } = rt
  const now = () => c.clock.now()
  let refreshing: Promise<string> | undefined
  let waits = 0

  async function getAccessToken(options: { rejected?: string } = {}): Promise<string> {
    rt.live()
    await start()
    rt.live()
    const { record } = rt.model()
    const session = record.session
    if (session && isFresh(session.tokens, c.session.skewMs, now()) && session.tokens.accessToken !== options.rejected) return session.tokens.accessToken
    if (!session) return waitForSession()
    if (!refreshing && inBackoff(rt.model(), now())) {
      // Backing off: callers get the still-valid token, and the server gets no request. The message
      // re-arms the wake-up too: browser timers may fire a millisecond before `retryAt` by Date.now().
      rt.send({ type: 'askedInBackoff' })
      if (unexpired(session.tokens, now(), options.rejected)) return session.tokens.accessToken
      // Expired during the backoff (the snapshot now says so); the caller waits for the next shared attempt below.
    }
    refreshing ??= whilePending(refreshWithRetry(options.rejected), true).finally(() => (refreshing = undefined))
    return refreshing
  }

  /**
   * Retries transient failures on the shared schedule. A caller whose token is still valid gets it
   * at once and the retry continues on the tab's wake-up; a caller without one waits until the
   * schedule has counted `attempts` failures (or the tab is offline), then gets the error.
   */
  async function refreshWithRetry(rejected?: string): Promise<string> {
    for (;;) {
      const attempt = await refreshOnce(rejected)
      if ('token' in attempt) return attempt.token
      const { failure, schedule, sent } = attempt
      rt.send({ type: 'refreshFailed', error: failure, schedule, sent, rejected, ownDelayMs: backoffMs(rt.model().backoff.failures + 1, failure, c.session.retry) })
      const { record, backoff } = rt.model()
      const session = record.session
      if (session && unexpired(session.tokens, now(), rejected)) return session.tokens.accessToken
      if (backoff.failures >= (c.session.retry.attempts ?? 4) || !c.lifecycle.isOnline()) throw failure
      await rt.sleep(Math.max(0, backoff.retryAt - now()))
    }
  }

  async function refreshOnce(rejected?: string): Promise<Attempt> {
    const wokeAt = rt.model().backoff.wokeAt
    rt.send({ type: 'refreshStarted' })
    let outcome
    try {
      outcome = await refreshSession(c.session, { rejected, wokeAt, onLocked: () => rt.send({ type: 'lockTaken' }) })
    } catch (error) {
      // No shared schedule came with it (e.g. the wait for the lock timed out): this tab backs off alone.
      if (isTransient(error)) return { failure: error as AuthError, sent: false }
      throw error
    }
    rt.live()
    const { record } = outcome
    if (outcome.kind === 'transient') return { failure: outcome.error, schedule: outcome.record.retry, sent: outcome.sent }
    if (outcome.kind === 'ended') {
      if (record.refusal?.code === 'CONFIG') {
        // The server rejected the client: every tab shows the configuration error; no tab sends again.
        rt.send({ type: 'clientRejected', record, error: outcome.error })
        throw outcome.error
      }
      // Every tab reports a dead session as LOGIN_REQUIRED; this tab also knows the server's answer and its likely reason.
      const { error } = outcome
      const loginRequired = new LoginRequiredError(error.message, { cause: error, error: error.error, status: error.status, contentType: error.contentType, reasons: error.reasons })
      rt.send({ type: 'grantDied', record, error: loginRequired, cause: error })
      throw loginRequired
    }
    rt.send({ type: outcome.kind, record })
    if (record.session) return { token: record.session.tokens.accessToken }
    const { state } = rt.model()
    throw state.status === 'reloginRequired' ? state.error : new LoginRequiredError()
  }

  /**
   * While `work` (a refresh, or the wait for another tab's) runs past the token's expiry, the
   * snapshot says so (REFRESH_PENDING), never signedIn without a usable token. Unless the lock
   * wait timed out (the caller waits again), the state the work leaves is the record's.
   */
  function whilePending<T>(work: Promise<T>, ownRefresh: boolean): Promise<T> {
    const tokens = rt.model().record.session?.tokens
    const at = Math.max(tokens?.expiresAt ?? Infinity, now() + PENDING_SHOWN_AFTER_MS)
    if (!tokens || !Number.isFinite(at)) return work
    const by = ++waits
    const cancel = rt.later(() => {
      const message =
        ownRefresh && rt.model().lockHeld
          ? "The access token expired; this tab's refresh is under way."
          : `The access token expired; another tab holds the refresh, and this tab waits for it (up to ${c.session.lockTimeoutMs} ms).`
      rt.send({ type: 'pendingShown', by, tokens, error: new AuthError('REFRESH_PENDING', message) })
    }, at - now())
    const done = (lockTimedOut: boolean) => {
      cancel()
      rt.send({ type: 'pendingEnded', by, lockTimedOut })
    }
    work.then(
      () => done(false),
      (error) => done(error instanceof AuthError && error.code === 'TIMEOUT'),
    )
    return work
  }

  /** No session: reject at once, or (reloginWaitMs) wait for another tab's re-login to bring one. */
  function waitForSession(): Promise<string> {
    const { state, record } = rt.model()
    const error = state.status === 'reloginRequired' || (state.status === 'error' && record.refusal?.code === 'CONFIG') ? state.error : new LoginRequiredError()
    const waitMs = state.status === 'reloginRequired' ? (c.config.reloginWaitMs ?? 0) : 0
    if (waitMs <= 0) return Promise.reject(error)
    return new Promise((resolve, reject) => {
      const stop = rt.onEvent((event) => {
        const session = rt.model().record.session
        if ((event.type === 'adopted' || event.type === 'signedIn') && session) done(() => resolve(session.tokens.accessToken))
      })
      const cancel = rt.later(() => done(() => reject(error)), waitMs)
      function done(settle: () => void) {
        stop()
        cancel()
        settle()
      }
    })
  }

  /** A visible tab with a session refreshes (at its wake-up, or woken with a stale token or a failing refresh). */
  function refreshIfVisible(): void {
    if (c.lifecycle.isVisible() && rt.model().record.session) getAccessToken().catch(() => {})
  }

  /** After a wake-up (visible again, online): refresh when the token is stale or its refresh was failing. */
  function afterWake(): void {
    const { state, record } = rt.model()
    if (state.status === 'reloginRequired' || !record.session) return
    if (state.status === 'error' || !isFresh(record.session.tokens, c.session.skewMs, now())) refreshIfVisible()
  }

  return { getAccessToken, whilePending, refreshIfVisible, afterWake }
}
