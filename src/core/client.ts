import { browserChannel, browserClock, browserLifecycle, browserLock, browserNavigation, webStorage } from './adapters'
import { CHANNEL_NAME, parseMessage, sessionMessage } from './channel'
import { AuthError, isTransient, LoginRequiredError } from './errors'
import { explainInvalidGrant } from './explain'
import { isInvalidTokenResponse, OAuth } from './oauth'
import { claimRelogin, isFresh, readRecord, refreshAt, refreshSession, repairStore, writeSession, type SessionContext } from './refresh'
import { ReloginBreaker } from './relogin'
import { backoffMs } from './retry'
import { defaultStore, emptyRecord, parseRecord, type SessionRecord, type TokenSet } from './store'
import { TransactionStore, type Transaction } from './transaction'
import type { AuthClient, AuthConfig, AuthEvent, AuthState, LoginOptions, LogoutOptions } from './types'
import { isCallback, parseIssuer, safeReturnTo } from './url'

const LOADING: AuthState = { status: 'loading' }

export function createAuthClient(config: AuthConfig): AuthClient {
  const issuer = parseIssuer(config.issuer) // throws CONFIG early, before any I/O
  if (!config.clientId) throw new AuthError('CONFIG', 'clientId is required.')

  const clock = config.clock ?? browserClock
  const navigation = config.navigation ?? browserNavigation
  const lifecycle = config.lifecycle ?? browserLifecycle
  const channel = config.channel ?? browserChannel(CHANNEL_NAME)
  // Looked up at call time so that tests and polyfills that replace fetch later take effect.
  const fetchImpl = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  const key = `${config.issuer} ${config.clientId}`
  const tabStorage = config.transactionStorage ?? webStorage('sessionStorage')
  const transactions = new TransactionStore(tabStorage, `tabauth:tx:${key}`)
  const reloginWindowMs = (config.reloginWindowSeconds ?? 60) * 1000
  const breaker = new ReloginBreaker(tabStorage, `tabauth:relogin:${key}`, reloginWindowMs)
  const retry = config.retry ?? {}
  const debug = config.debug ?? isDevelopment()
  const oauth = new OAuth({
    issuer,
    clientId: config.clientId,
    fetch: fetchImpl,
    metadata: config.metadata,
    timeoutMs: config.requestTimeoutMs ?? 10_000,
    now: () => clock.now(),
  })
  const ctx: SessionContext = {
    store: config.store ?? defaultStore(),
    key,
    lock: config.lock ?? browserLock(),
    lockTimeoutMs: config.lockTimeoutMs ?? 20_000,
    oauth,
    skewMs: (config.expirySkewSeconds ?? 30) * 1000,
    now: () => clock.now(),
  }
  const origin = () => new URL(navigation.currentUrl()).origin
  const redirectUri = () => config.redirectUri ?? `${origin()}/callback`

  let state: AuthState = LOADING
  let record: SessionRecord = emptyRecord
  let started: Promise<void> | undefined
  let refreshing: Promise<string> | undefined
  let syncing: Promise<void> | undefined
  let failures = 0 // transient refresh failures in a row
  let retryAt = 0 // no refresh before this time after a transient failure, however many callers ask
  let lastFailure: AuthError | undefined
  let cancelTimer: (() => void) | undefined
  const cleanups: Array<() => void> = []
  const listeners = new Set<() => void>()
  const eventListeners = new Set<(event: AuthEvent) => void>()

  function emit(event: AuthEvent) {
    for (const listener of eventListeners) listener(event)
  }

  function warn(error: AuthError) {
    if (debug) console.warn(`[tabauth] ${error.code}: ${error.message}`)
  }

  function setState(next: AuthState) {
    if (shallowEqual(state, next)) return // keep the snapshot stable: React re-renders only on change
    const enteringRelogin = next.status === 'reloginRequired' && state.status !== 'reloginRequired'
    state = next
    schedule()
    for (const listener of listeners) listener()
    if (enteringRelogin) void reloginByRedirect()
  }

  /** Takes `next` as this tab's session unless it is older than what we have. */
  function apply(next: SessionRecord, error?: AuthError): boolean {
    if (next.generation < record.generation) return false
    const previousUser = state.status === 'signedIn' || state.status === 'reloginRequired' ? state.user : undefined
    record = next
    const session = next.session
    if (session) {
      failures = 0
      retryAt = 0
      setState({ status: 'signedIn', user: session.user, accessToken: session.tokens.accessToken, expiresAt: session.tokens.expiresAt, generation: next.generation })
    } else if (next.ended === 'reloginRequired') {
      const reloginError = state.status === 'reloginRequired' && !error ? state.error : error
      setState({ status: 'reloginRequired', user: previousUser, error: reloginError ?? new LoginRequiredError('The session ended at the server (the grant was revoked or expired): sign in again.') })
    } else {
      setState({ status: 'signedOut' })
    }
    return true
  }

  function broadcast() {
    channel.post(sessionMessage(key, record.generation))
  }

  function endEvent(ended: SessionRecord): AuthEvent {
    return state.status === 'reloginRequired'
      ? { type: 'reloginRequired', generation: ended.generation, error: state.error }
      : { type: 'signedOut', generation: ended.generation }
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

  /**
   * One timer per tab, while something is listening: a visible tab refreshes ahead of
   * expiry, or after a transient failure at the next retry time (hidden tabs refresh
   * only when read). Offline, no timer: the `online` wake-up retries.
   */
  function schedule() {
    cancelTimer?.()
    cancelTimer = undefined
    const session = record.session
    if (!listeners.size || !session || (state.status !== 'signedIn' && state.status !== 'error')) return
    if (retryAt > clock.now() && !lifecycle.isOnline()) return
    const delay = Math.max(refreshAt(session.tokens, ctx.skewMs), retryAt) - clock.now()
    if (Number.isFinite(delay)) cancelTimer = clock.setTimeout(refreshIfVisible, Math.min(Math.max(delay, 0), 2 ** 31 - 1))
  }

  function refreshIfVisible() {
    if (lifecycle.isVisible() && record.session) getAccessToken().catch(() => {})
  }

  async function boot() {
    cleanups.push(
      channel.subscribe((raw) => {
        const message = parseMessage(raw, key)
        if (message === undefined) emit({ type: 'channelMessageIgnored', message: raw })
        else if (message !== 'foreign' && message.generation > record.generation) void sync()
      }),
      ctx.store.subscribe?.(() => void sync()) ?? (() => {}),
      // Visible again, back online, resumed from freeze or the back/forward cache: this tab may hold an old generation.
      lifecycle.onWake(() => {
        retryAt = 0 // back online or back to the user: worth one try now
        // Back from the server's page via the back/forward cache: the redirect did not happen.
        if (state.status === 'redirecting') apply(record)
        void sync().then(() => {
          if (state.status === 'reloginRequired') void reloginByRedirect()
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
    let tx: Transaction
    try {
      // Consumed synchronously, before any request: a second start (StrictMode, reload, Back) finds nothing.
      tx = transactions.take(callback.searchParams.get('state'), clock.now())
    } catch (error) {
      navigation.replace(`${origin()}/`)
      // A replayed callback with a live session is harmless: stay signed in, say nothing.
      const latest = await readRecord(ctx).catch(() => emptyRecord)
      if (latest.session) return void apply(latest)
      record = latest
      return setState({ status: 'signedOut', error: error as AuthError })
    }
    // The code leaves the address bar (and history) before it is used.
    navigation.replace(new URL(tx.returnTo, origin()).href)
    try {
      const { tokens, claims } = await oauth.exchangeCode(callback, tx)
      if (!claims) throw new AuthError('INVALID_RESPONSE', 'The token response has no ID token.')
      const { record: next } = await writeSession(ctx, () => ({ session: { tokens, user: claims } }))
      apply(next)
      broadcast()
      emit({ type: 'signedIn', generation: next.generation })
      config.onRedirectCallback?.(tx.returnTo)
    } catch (error) {
      let authError = toAuthError(error)
      if (authError.code === 'INVALID_GRANT') {
        authError = explainInvalidGrant(authError, {
          grant: 'authorization_code',
          transactionAgeMs: clock.now() - tx.createdAt,
          codeLifetimeMs: (config.codeLifetimeSeconds ?? 60) * 1000,
          redirectUriSent: tx.redirectUri,
          redirectUriAuthorized: tx.redirectUri,
          codeVerifier: tx.codeVerifier,
          clientIdSent: config.clientId,
          clientIdAuthorized: config.clientId, // transactions are stored per client
        })
      }
      warn(authError)
      // The user said no, or the server could not sign them in: signed out, with the reason. Nothing retries.
      if (authError.code === 'AUTHORIZATION_ERROR') setState({ status: 'signedOut', error: authError })
      else setState({ status: 'error', error: authError })
    }
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
    if (!refreshing && lastFailure && clock.now() < retryAt) {
      // Backing off: callers get the still-valid token or the last failure, and the server gets no request.
      // Re-arm the retry: browser timers may fire a millisecond before `retryAt` by Date.now().
      schedule()
      if (unexpired(session.tokens, options.rejected)) return session.tokens.accessToken
      throw lastFailure
    }
    refreshing ??= refreshWithRetry(options.rejected).finally(() => (refreshing = undefined))
    return refreshing
  }

  /** Stale perhaps, but still accepted by servers: what a caller can use while a refresh is retried. */
  function unexpired(tokens: TokenSet, rejected?: string): boolean {
    return tokens.accessToken !== rejected && clock.now() < (tokens.expiresAt ?? Infinity)
  }

  /** No session: reject at once, or (reloginWaitMs) wait for another tab's re-login to bring one. */
  function waitForSession(): Promise<string> {
    const error = state.status === 'reloginRequired' ? state.error : new LoginRequiredError()
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

  /**
   * Refreshes, retrying transient failures with backoff. A caller whose token is
   * still valid gets it at once and the retry continues in the background; a
   * caller without one waits for up to `retry.attempts` tries, then sees `error`.
   */
  async function refreshWithRetry(rejected?: string): Promise<string> {
    for (;;) {
      try {
        return await refresh(rejected)
      } catch (error) {
        if (!isTransient(error)) throw error
        failures++
        const delay = backoffMs(failures, error as AuthError, retry)
        retryAt = clock.now() + delay
        lastFailure = error as AuthError
        emit({ type: 'refreshFailed', error: error as AuthError, retryInMs: delay })
        const session = record.session
        if (session && unexpired(session.tokens, rejected)) {
          schedule() // the next try, at retryAt
          return session.tokens.accessToken
        }
        if (failures >= (retry.attempts ?? 4) || !lifecycle.isOnline()) {
          setState({ status: 'error', error: error as AuthError }) // the session is kept; a later success restores it
          schedule()
          throw error
        }
        await new Promise<void>((resolve) => clock.setTimeout(resolve, delay))
      }
    }
  }

  async function refresh(rejected?: string): Promise<string> {
    const outcome = await refreshSession(ctx, rejected)
    const generation = outcome.record.generation
    if (outcome.kind === 'invalidGrant') {
      // Every tab reports a dead session as LOGIN_REQUIRED; this tab also knows the server's answer and its likely reason.
      const loginRequired = new LoginRequiredError(outcome.error.message, { cause: outcome.error, error: outcome.error.error, reasons: outcome.error.reasons })
      apply(outcome.record, loginRequired)
      warn(outcome.error)
      broadcast()
      emit({ type: 'reloginRequired', generation, error: loginRequired })
      throw loginRequired
    }
    apply(outcome.record)
    if (outcome.kind === 'refreshed') {
      broadcast()
      emit({ type: 'refreshed', generation })
    } else {
      emit(outcome.record.session ? { type: 'adopted', generation } : endEvent(outcome.record))
    }
    const session = outcome.record.session
    if (!session) throw state.status === 'reloginRequired' ? state.error : new LoginRequiredError()
    return session.tokens.accessToken
  }

  /** relogin: 'redirect' — exactly one visible tab goes to the server, at most once per window per tab. */
  async function reloginByRedirect() {
    if (config.relogin !== 'redirect' || !lifecycle.isVisible()) return
    try {
      if (!breaker.allowed(clock.now())) {
        const loop = breaker.loopError()
        warn(loop)
        if (state.status === 'reloginRequired' && state.error.code !== 'RELOGIN_LOOP') setState({ ...state, error: loop })
        return
      }
      if (!(await claimRelogin(ctx, reloginWindowMs))) return // another tab took it on; this one adopts the result
      breaker.record(clock.now())
      await login()
    } catch {
      // Could not claim or reach the server: the prompt stays, nothing loops.
    }
  }

  async function login(options: LoginOptions = {}) {
    const current = new URL(navigation.currentUrl())
    const returnTo = safeReturnTo(options.returnTo ?? current.pathname + current.search + current.hash, current.origin)
    const secrets = OAuth.randomSecrets()
    setState({ status: 'redirecting' })
    try {
      const url = await oauth.authorizationUrl({
        ...secrets,
        redirectUri: redirectUri(),
        scope: config.scope ?? 'openid profile offline_access',
        params: { ...config.authorizationParams, ...options.authorizationParams },
      })
      transactions.save({ ...secrets, redirectUri: redirectUri(), returnTo, createdAt: clock.now() }, clock.now())
      navigation.assign(url)
    } catch (error) {
      const authError = toAuthError(error)
      setState({ status: 'error', error: authError })
      throw authError
    }
  }

  /** login() without a click (a route guard): at most once per tab per window, like the automatic re-login. */
  async function autoLogin(options?: LoginOptions) {
    // A failed sign-in, an error or reloginRequired is shown, never redirected; 'redirecting' is StrictMode's second effect.
    if (state.status !== 'signedOut' || state.error) return
    if (!breaker.allowed(clock.now())) return setState({ status: 'signedOut', error: breaker.loopError() })
    breaker.record(clock.now())
    await login(options)
  }

  async function logout(options: LogoutOptions = {}) {
    await start()
    const { previous, record: next } = await writeSession(ctx, () => ({ session: null, ended: 'signedOut' }))
    apply(next)
    broadcast()
    emit({ type: 'signedOut', generation: next.generation })
    const tokens = previous.session?.tokens
    try {
      // Revoking the refresh token ends the grant at the server, access tokens included (RFC 7009).
      if (tokens) await oauth.revoke(tokens.refreshToken ?? tokens.accessToken, tokens.refreshToken ? 'refresh_token' : 'access_token')
      if (options.localOnly) return
      const endSession = await oauth.endSessionUrl(tokens?.idToken, config.postLogoutRedirectUri ?? `${origin()}/`)
      if (endSession) {
        setState({ status: 'redirecting' })
        navigation.assign(endSession)
      }
    } catch {
      // The local session is gone either way; an unreachable server cannot keep the user signed in.
    }
  }

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init)
    const send = (req: Request, token: string) => {
      const headers = new Headers(req.headers)
      headers.set('authorization', `Bearer ${token}`)
      return fetchImpl(new Request(req, { headers }))
    }
    const token = await getAccessToken()
    const response = await send(request.clone(), token)
    if (!isInvalidTokenResponse(response)) return response
    // The token was refused although we thought it fresh (revoked, clock skew): one refresh, one replay.
    const next = await getAccessToken({ rejected: token }).catch(() => undefined)
    if (next === undefined || next === token) return response
    return send(request, next)
  }

  function subscribeEvents(listener: (event: AuthEvent) => void) {
    eventListeners.add(listener)
    return () => void eventListeners.delete(listener)
  }

  return {
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
    fetch: authFetch,
    onEvent: subscribeEvents,
    dispose() {
      cancelTimer?.()
      listeners.clear()
      for (const cleanup of cleanups.splice(0)) cleanup()
    },
  }
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

function toAuthError(error: unknown): AuthError {
  return error instanceof AuthError ? error : new AuthError('INVALID_RESPONSE', String(error), { cause: error })
}

function shallowEqual(a: object, b: object): boolean {
  const keysA = Object.keys(a)
  return keysA.length === Object.keys(b).length && keysA.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}
