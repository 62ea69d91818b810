import { browserChannel, browserClock, browserLifecycle, browserLock, browserNavigation, webStorage } from './adapters'
import { CHANNEL_NAME, parseMessage, sessionMessage } from './channel'
import { finishSignIn, toAuthError, type CallbackContext } from './callback'
import { AuthError, LoginRequiredError } from './errors'
import { fetchWithToken } from './fetchWithToken'
import { hintedStore, readHint } from './hint'
import { register } from './internals'
import { OAuth } from './oauth'
import { claimRelogin, isFresh, readRecord, readSettledRecord, refreshSession, repairStore, scheduledError, writeSession, type SessionContext } from './refresh'
import { ReloginBreaker, reloginByRedirect, type AutoRelogin } from './relogin'
import { Retryer } from './retryer'
import { isMisconfigured, sameState, stateFor } from './state'
import { defaultStore, emptyRecord, parseRecord, type SessionRecord, type TokenSet } from './store'
import { nextWakeAt, Timer } from './timer'
import { TransactionStore } from './transaction'
import { loginFlows } from './login'
import { logoutAtServer } from './logout'
import type { AuthClient, AuthConfig, AuthEvent, AuthState, LogoutOptions, LogoutResult } from './types'
import { isCallback, parseIssuer } from './url'

const LOADING: AuthState = { status: 'loading' }
/**
 * A refresh (or a hidden tab's read of the store) that ends this soon after expiry shows no
 * REFRESH_PENDING: no status flickers on an ordinary refresh, nor on a read slowed by a loaded machine.
 */
const PENDING_SHOWN_AFTER_MS = 1_000

export function createAuthClient(config: AuthConfig): AuthClient {
  const issuer = parseIssuer(config.issuer) // throws CONFIG early, before any I/O
  if (!config.clientId) throw new AuthError('CONFIG', 'clientId is required.')
  // `dpop: true` and `userinfo: true` were the options before their own entries: never "off" in silence.
  if ((config.dpop && typeof config.dpop.bind !== 'function') || (config.userinfo && typeof config.userinfo !== 'function')) throw new AuthError('CONFIG', "dpop takes dpop() from 'tabauth/dpop', userinfo takes userinfo() from 'tabauth/userinfo'.")
  for (const server of config.resourceServers ?? []) if (!URL.canParse(server)) throw new AuthError('CONFIG', `resourceServers: "${server}" is not an absolute URL.`)

  const clock = config.clock ?? browserClock
  const navigation = config.navigation ?? browserNavigation
  const lifecycle = config.lifecycle ?? browserLifecycle
  const channel = config.channel ?? browserChannel(CHANNEL_NAME)
  // Looked up at call time so that tests and polyfills that replace fetch later take effect.
  const fetchImpl = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  const key = `${config.issuer} ${config.clientId}`
  const tabStorage = config.transactionStorage ?? webStorage('sessionStorage')
  const transactions = new TransactionStore(tabStorage, `tabauth:tx:${key}`)
  const popup = config.popup?.bind(key, clock)
  const reloginWindowMs = (config.reloginWindowSeconds ?? 60) * 1000
  const breaker = new ReloginBreaker(tabStorage, `tabauth:relogin:${key}`, reloginWindowMs)
  const debug = config.debug ?? isDevelopment()
  const scope = config.scope ?? 'openid profile offline_access'
  const dpop = config.dpop?.bind(key)
  const oauth = new OAuth({
    issuer,
    clientId: config.clientId,
    fetch: fetchImpl,
    metadata: config.metadata,
    algorithm: scope.split(' ').includes('openid') ? 'oidc' : 'oauth2',
    timeoutMs: config.requestTimeoutMs ?? 10_000,
    clock,
    dpop,
  })
  // The first-render hint (hint.ts): by default only beside the default IndexedDB store, never in memory-only mode.
  const hints = config.hintStorage === null ? undefined : config.hintStorage ?? (config.store === undefined && typeof indexedDB !== 'undefined' ? webStorage('localStorage') : undefined)
  const store = config.store ?? defaultStore()
  const ctx: SessionContext = {
    store: hints ? hintedStore(store, hints, key) : store,
    key,
    lock: config.lock ?? browserLock(),
    lockTimeoutMs: config.lockTimeoutMs ?? 20_000,
    oauth,
    skewMs: (config.expirySkewSeconds ?? 30) * 1000,
    retry: config.retry ?? {},
    now: () => clock.now(),
    serverTexts: config.serverTexts,
  }
  const origin = () => new URL(navigation.currentUrl()).origin
  const redirectUri = () => config.redirectUri ?? `${origin()}/callback`
  const callbackContext: CallbackContext = {
    session: ctx,
    oauth,
    transactions,
    popupTransactions: popup?.transactions,
    navigation,
    clock,
    clientId: config.clientId,
    codeLifetimeMs: (config.codeLifetimeSeconds ?? 60) * 1000,
    userinfo: config.userinfo,
    origin,
  }
  const autoRelogin: AutoRelogin = {
    enabled: config.relogin === 'redirect',
    isVisible: () => lifecycle.isVisible(),
    breaker,
    now: () => clock.now(),
    claim: () => claimRelogin(ctx, reloginWindowMs),
    login: () => login(),
    onLoop(loop) {
      warn(loop)
      if (state.status === 'reloginRequired' && state.error.code !== 'RELOGIN_LOOP') setState({ ...state, error: loop })
    },
  }

  let state: AuthState = firstState()
  let record: SessionRecord = emptyRecord
  let started: Promise<void> | undefined
  let refreshing: Promise<string> | undefined
  let syncing: Promise<void> | undefined
  const retryer = new Retryer(clock, ctx.retry)
  const timer = new Timer(clock)
  const { login, autoLogin } = loginFlows({
    oauth,
    navigation,
    clock,
    scope,
    authorizationParams: config.authorizationParams,
    redirectUri,
    transactions,
    popup,
    breaker,
    state: () => state,
    setState,
    emit,
    onEvent: subscribeEvents,
    sync,
    hasSession: () => record.session !== null,
  })
  const cleanups: Array<() => void> = []
  const listeners = new Set<() => void>()
  const eventListeners = new Set<(event: AuthEvent) => void>()

  /** Loading, or signed in at once from the hint unless this page is the sign-in callback. */
  function firstState(): AuthState {
    if (!hints) return LOADING
    try {
      if (isCallback(new URL(navigation.currentUrl()), new URL(redirectUri()))) return LOADING
    } catch {
      return LOADING
    }
    return readHint(hints, key, clock.now()) ?? LOADING
  }

  function emit(event: AuthEvent) {
    for (const listener of eventListeners) listener(event)
  }

  function warn(error: AuthError) {
    if (debug) console.warn(`[tabauth] ${error.code}: ${error.message}`)
  }

  function setState(next: AuthState) {
    if (sameState(state, next)) return
    const enteringRelogin = next.status === 'reloginRequired' && state.status !== 'reloginRequired'
    state = next
    schedule()
    for (const listener of listeners) listener()
    if (enteringRelogin) void reloginByRedirect(autoRelogin)
  }

  /** Takes `next` as this tab's session unless it is older than what we have. */
  function apply(next: SessionRecord, error?: AuthError): boolean {
    if (next.generation < record.generation) return false
    record = next
    if (next.session) retryer.clear()
    setState(stateFor(next, state, error))
    return true
  }

  function broadcast() {
    channel.post(sessionMessage(key, record.generation))
  }

  function endEvent(ended: SessionRecord): AuthEvent {
    if (state.status === 'reloginRequired') return { type: 'reloginRequired', generation: ended.generation, error: state.error }
    if (state.status === 'error') return { type: 'misconfigured', generation: ended.generation, error: state.error }
    return { type: 'signedOut', generation: ended.generation }
  }

  /** Re-reads the store and adopts a newer generation (another tab wrote it). */
  function sync(): Promise<void> {
    syncing ??= readRecord(ctx)
      .then((latest) => {
        if (latest.generation > record.generation && apply(latest)) {
          emit(latest.session ? { type: 'adopted', generation: latest.generation } : endEvent(latest))
        }
      })
      .catch(() => {}) // the store is unreadable right now; the next read retries
      .finally(() => (syncing = undefined))
    return syncing
  }

  /** Re-arms this tab's one timer (see timer.ts): refresh ahead of expiry, or retry after a failure. */
  function schedule() {
    const keepsSession = state.status === 'signedIn' || state.status === 'error'
    const at = nextWakeAt({
      listening: listeners.size > 0,
      tokens: keepsSession ? record.session?.tokens : undefined,
      retryAt: retryer.retryAt,
      online: lifecycle.isOnline(),
      visible: lifecycle.isVisible(),
      skewMs: ctx.skewMs,
      now: clock.now(),
    })
    timer.set(at, onTimer)
  }

  function onTimer() {
    if (lifecycle.isVisible()) refreshIfVisible()
    else if (record.session) void checkExpired()
  }

  /**
   * A hidden tab at expiry, or any tab told of another's failed refresh: adopt what another tab
   * wrote, or show the outage another tab met. Sends nothing.
   */
  async function checkExpired(): Promise<void> {
    let latest: SessionRecord
    try {
      latest = await whilePending(readSettledRecord(ctx), false)
    } catch (error) {
      // The lock holder is still busy (frozen, or a slow server): go on waiting, showing REFRESH_PENDING.
      if (error instanceof AuthError && error.code === 'REFRESH_PENDING' && record.session) return checkExpired()
      latest = record
    }
    if (latest.generation > record.generation) return sync()
    if (latest.retry && record.session && !unexpired(record.session.tokens)) {
      retryer.follow(latest.retry, scheduledError(latest.retry))
      showOutage()
    } else if (isPending(state)) {
      setState(stateFor(record, state)) // the holder let go without a word (its tab closed): nothing is pending any more
    }
    schedule() // the next look: at expiry, or when the shared schedule allows a try
  }

  /** The token expired while the refresh is failing: no tab says signedIn as if all were well (the session is kept). */
  function showOutage() {
    const session = record.session
    if ((state.status === 'signedIn' || isPending(state)) && session && !unexpired(session.tokens)) setState({ status: 'error', error: retryer.lastFailure! })
  }

  /**
   * While `work` (a refresh, or the wait for another tab's) runs past the token's expiry, the
   * snapshot says so (REFRESH_PENDING), never signedIn without a usable token. Unless the lock
   * wait timed out (the caller waits again), the state the work leaves is the record's.
   */
  function whilePending<T>(work: Promise<T>, ownRefresh: boolean): Promise<T> {
    const tokens = record.session?.tokens
    const at = Math.max(tokens?.expiresAt ?? Infinity, clock.now() + PENDING_SHOWN_AFTER_MS)
    if (!Number.isFinite(at)) return work // no session, or a token that never expires
    let shown: AuthState | undefined
    const cancel = clock.setTimeout(() => {
      if (state.status !== 'signedIn' || record.session?.tokens !== tokens) return
      const error = new AuthError('REFRESH_PENDING', `The access token expired; a refresh is under way (${ownRefresh ? "this tab's, or another tab's that holds the lock" : "another tab's, that holds the lock"}).`)
      setState((shown = { status: 'error', error }))
    }, at - clock.now())
    const done = (lockTimedOut: boolean) => {
      cancel()
      if (state === shown && !lockTimedOut) setState(stateFor(record, state))
    }
    work.then(
      () => done(false),
      (error) => done(error instanceof AuthError && error.code === 'REFRESH_PENDING'),
    )
    return work
  }

  function refreshIfVisible() {
    if (lifecycle.isVisible() && record.session) getAccessToken().catch(() => {})
  }

  async function boot() {
    cleanups.push(
      channel.subscribe((raw) => {
        const message = parseMessage(raw, key)
        // Without the message: it may carry what the app shares on the channel, tokens included.
        if (message === undefined) emit({ type: 'channelMessageIgnored' })
        else if (message === 'foreign') return
        else if (message.generation > record.generation) void sync()
        // The same generation again: another tab's refresh failed and it wrote the shared schedule.
        else if (message.generation === record.generation && record.session) void checkExpired()
      }),
      ctx.store.subscribe?.(() => void sync()) ?? (() => {}),
      // Visible again, back online, resumed from freeze or the back/forward cache: this tab may hold an old generation.
      lifecycle.onWake(() => {
        retryer.wake()
        // Back from the server's page via the back/forward cache: the redirect did not happen.
        if (state.status === 'redirecting') apply(record)
        void sync().then(() => {
          schedule() // visibility may have changed: a visible tab refreshes ahead of expiry again
          if (state.status === 'reloginRequired') void reloginByRedirect(autoRelogin)
          else if (record.session && (state.status === 'error' || !isFresh(record.session.tokens, ctx.skewMs, clock.now()))) refreshIfVisible()
        })
      }),
    )
    let current: URL
    try {
      current = new URL(navigation.currentUrl())
    } catch {
      return setState({ status: 'signedOut' }) // no page (server-side render)
    }
    if (isCallback(current, new URL(redirectUri()))) return handleCallback(current)
    const raw = await ctx.store.get(key).catch(() => undefined)
    const parsed = parseRecord(raw)
    if (raw !== undefined && !parsed) await repairStore(ctx).catch(() => {})
    apply(parsed ?? emptyRecord)
  }

  async function handleCallback(callback: URL) {
    const outcome = await finishSignIn(callbackContext, callback)
    if (outcome.kind === 'ignored') {
      if (outcome.record.session) return void apply(outcome.record)
      record = outcome.record
      return setState({ status: 'signedOut', error: outcome.error })
    }
    if (outcome.kind === 'failed') {
      warn(outcome.error)
      return setState(outcome.state)
    }
    apply(outcome.record)
    broadcast()
    emit({ type: 'signedIn', generation: outcome.record.generation })
    if (outcome.popup) navigation.close?.() // the opener and every tab take the session from the store
    else config.onRedirectCallback?.(outcome.returnTo)
  }

  function start() {
    return (started ??= boot().catch((error) => setState({ status: 'error', error: toAuthError(error) })))
  }

  async function getAccessToken(options: { rejected?: string } = {}): Promise<string> {
    await start()
    const session = record.session
    const fresh = session && isFresh(session.tokens, ctx.skewMs, clock.now()) && session.tokens.accessToken !== options.rejected
    if (fresh) return session.tokens.accessToken
    if (!session) return waitForSession()
    if (!refreshing && retryer.backingOff()) {
      // Backing off: callers get the still-valid token, and the server gets no request.
      // Re-arm the retry: browser timers may fire a millisecond before `retryAt` by Date.now().
      schedule()
      if (unexpired(session.tokens, options.rejected)) return session.tokens.accessToken
      showOutage() // expired during the backoff; the caller waits for the next shared attempt below
    }
    refreshing ??= whilePending(refreshWithRetry(options.rejected), true).finally(() => (refreshing = undefined))
    return refreshing
  }

  /** Why there is no token: the ended session's error (a re-login, or the server's rejection of the client), else sign-in required. */
  function noSessionError(): AuthError {
    if (state.status === 'reloginRequired' || (state.status === 'error' && isMisconfigured(record))) return state.error
    return new LoginRequiredError()
  }

  /** Stale perhaps, but still accepted by servers: what a caller can use while a refresh is retried. */
  function unexpired(tokens: TokenSet, rejected?: string): boolean {
    return tokens.accessToken !== rejected && clock.now() < (tokens.expiresAt ?? Infinity)
  }

  /** No session: reject at once, or (reloginWaitMs) wait for another tab's re-login to bring one. */
  function waitForSession(): Promise<string> {
    const error = noSessionError()
    const waitMs = state.status === 'reloginRequired' ? (config.reloginWaitMs ?? 0) : 0
    if (waitMs <= 0) return Promise.reject(error)
    return new Promise((resolve, reject) => {
      const stop = subscribeEvents((event) => {
        if ((event.type === 'adopted' || event.type === 'signedIn') && record.session) done(() => resolve(record.session!.tokens.accessToken))
      })
      const cancel = clock.setTimeout(() => done(() => reject(error)), waitMs)
      function done(settle: () => void) {
        stop()
        cancel()
        settle()
      }
    })
  }

  function refreshWithRetry(rejected?: string): Promise<string> {
    return retryer.run(() => refresh(rejected), {
      usableToken: () => {
        const session = record.session
        return session && unexpired(session.tokens, rejected) ? session.tokens.accessToken : undefined
      },
      isOnline: () => lifecycle.isOnline(),
      // The token is past its expiry and the refresh failing: no tab shows signedIn as if all were well. The session is kept.
      onUnusable: (error) => setState({ status: 'error', error }),
      onScheduled: schedule,
    })
  }

  async function refresh(rejected?: string): Promise<string> {
    const outcome = await refreshSession(ctx, { rejected, wokeAt: retryer.takeWake() })
    const generation = outcome.record.generation
    if (outcome.kind === 'transient') {
      retryer.follow(outcome.record.retry, outcome.error)
      if (outcome.sent) {
        // A tab that checked its expiry before this failure was written must still learn of it.
        broadcast()
        emit({ type: 'refreshFailed', error: outcome.error, retryInMs: outcome.record.retry.notBefore - clock.now() })
      }
      throw outcome.error
    }
    if (outcome.kind === 'ended') {
      warn(outcome.error)
      if (isMisconfigured(outcome.record)) {
        // The server rejected the client: every tab shows the same configuration error (the record's); no
        // tab sends again. The callers here get the server's own answer.
        apply(outcome.record)
        broadcast()
        emit(endEvent(outcome.record))
        throw outcome.error
      }
      // Every tab reports a dead session as LOGIN_REQUIRED; this tab also knows the server's answer and its likely reason.
      const { error } = outcome
      const loginRequired = new LoginRequiredError(error.message, { cause: error, error: error.error, status: error.status, contentType: error.contentType, reasons: outcome.record.reasons })
      apply(outcome.record, loginRequired)
      broadcast()
      emit({ type: 'reloginRequired', generation, error: loginRequired })
      throw loginRequired
    }
    // Adopted: the channel may have brought this generation first, and its event was emitted then.
    const moved = generation > record.generation
    apply(outcome.record)
    if (outcome.kind === 'refreshed') {
      broadcast()
      emit({ type: 'refreshed', generation })
    } else if (moved) {
      emit(outcome.record.session ? { type: 'adopted', generation } : endEvent(outcome.record))
    }
    const session = outcome.record.session
    if (!session) throw noSessionError()
    return session.tokens.accessToken
  }

  async function logout(options: LogoutOptions = {}): Promise<LogoutResult> {
    await start()
    const { previous, record: next } = await writeSession(ctx, () => ({ session: null, ended: 'signedOut' }))
    await dpop?.forget() // the key and its nonces, for every tab: the next sign-in makes a new key
    apply(next)
    broadcast()
    emit({ type: 'signedOut', generation: next.generation })
    // The local session is gone either way; what the server did is reported, never a reason to stay signed in.
    const postLogoutRedirectUri = config.postLogoutRedirectUri ?? `${origin()}/`
    const { result, endSessionUrl } = await logoutAtServer(oauth, previous.session?.tokens, { localOnly: options.localOnly, postLogoutRedirectUri })
    if (result.error) warn(result.error)
    emit({ type: 'logout', result })
    if (endSessionUrl) {
      setState({ status: 'redirecting' })
      navigation.assign(endSessionUrl)
    }
    return result
  }

  function subscribeEvents(listener: (event: AuthEvent) => void) {
    eventListeners.add(listener)
    return () => void eventListeners.delete(listener)
  }

  let disposed = false
  return register({
    subscribe(listener) {
      listeners.add(listener)
      if (listeners.size === 1) schedule()
      return () => {
        listeners.delete(listener)
        if (!listeners.size) schedule()
      }
    },
    getSnapshot: () => state,
    start,
    login,
    autoLogin,
    logout,
    getAccessToken: () => getAccessToken(),
    fetch: fetchWithToken((request, token) => oauth.resourceRequest(request, token), getAccessToken, () => config.resourceServers ?? [origin()]),
    onEvent: subscribeEvents,
    dispose() {
      disposed = true
      timer.clear()
      listeners.clear()
      for (const cleanup of cleanups.splice(0)) cleanup()
    },
  }, { clock, disposed: () => disposed })
}

function isPending(state: AuthState): boolean {
  return state.status === 'error' && state.error.code === 'REFRESH_PENDING'
}

declare const process: { env: { NODE_ENV?: string } }

/** Bundlers replace `process.env.NODE_ENV`; where nothing does, `process` is undefined: not development. */
function isDevelopment(): boolean {
  try {
    return process.env.NODE_ENV !== 'production'
  } catch {
    return false
  }
}
