import {
  browserChannel,
  browserClock,
  browserLifecycle,
  browserLock,
  browserNavigation,
  webStorage,
  type Channel,
  type Clock,
  type KeyValueStorage,
  type Lock,
  type Navigation,
  type PageLifecycle,
} from './adapters'
import { CHANNEL_NAME, parseMessage, sessionMessage } from './channel'
import { AuthError, LoginRequiredError } from './errors'
import { OAuth, type ServerMetadata } from './oauth'
import { isFresh, readRecord, refreshAt, refreshSession, writeSession, type SessionContext } from './refresh'
import { emptyRecord, defaultStore, parseRecord, type SessionRecord, type SessionStore, type User } from './store'
import { TransactionStore } from './transaction'
import { isCallback, parseIssuer, safeReturnTo } from './url'

export interface AuthConfig {
  /** The authorization server's issuer identifier, e.g. `https://id.example.com`. */
  issuer: string
  clientId: string
  /** Default `openid profile offline_access` (offline_access asks for a refresh token). */
  scope?: string
  /** Default `${location.origin}/callback`. */
  redirectUri?: string
  /** Where the server sends the user after logout. Default `${location.origin}/`. */
  postLogoutRedirectUri?: string
  /** Extra authorization request parameters, e.g. `{ audience, resource, prompt }`. */
  authorizationParams?: Record<string, string>
  /** Static server metadata (must include `issuer`): skips discovery. */
  metadata?: ServerMetadata
  /** A token counts as stale this long before it expires (capped at a quarter of its lifetime). Default 30. */
  expirySkewSeconds?: number
  /** Bound on each request to the server. Default 10 000 ms. */
  requestTimeoutMs?: number
  /** Bound on waiting for another tab's refresh. Default 20 000 ms. */
  lockTimeoutMs?: number
  /** Called after sign-in with the same-origin path to show (e.g. a router's navigate). The URL is already clean. */
  onRedirectCallback?: (returnTo: string) => void

  // Adapters: every side effect, with browser defaults. Tests pass fakes.
  fetch?: typeof fetch
  clock?: Clock
  /** The session store shared by tabs. Default IndexedDB. */
  store?: SessionStore
  /** Per-tab storage for login transactions. Default sessionStorage. */
  transactionStorage?: KeyValueStorage
  lock?: Lock
  channel?: Channel
  navigation?: Navigation
  lifecycle?: PageLifecycle
}

export type AuthStatus = 'loading' | 'signedOut' | 'redirecting' | 'signedIn' | 'reloginRequired' | 'error'

export type AuthState =
  | { status: 'loading' }
  | { status: 'signedOut'; error?: AuthError }
  | { status: 'redirecting' }
  | { status: 'signedIn'; user: User; accessToken: string; expiresAt?: number; generation: number }
  | { status: 'reloginRequired'; user?: User; error: AuthError }
  | { status: 'error'; error: AuthError }

export type AuthEvent =
  | { type: 'signedIn' | 'refreshed' | 'adopted' | 'signedOut'; generation: number }
  | { type: 'reloginRequired'; generation: number; error: AuthError }
  /** A malformed message on the channel: ignored, reported for debugging. */
  | { type: 'channelMessageIgnored'; message: unknown }

export interface LoginOptions {
  /** Same-origin path to return to after sign-in. Default: the current path. */
  returnTo?: string
  /** Extra parameters for this request only, e.g. `{ prompt: 'login' }`. */
  authorizationParams?: Record<string, string>
}

export interface LogoutOptions {
  /** Only end the session in this app (every tab); do not visit the server's end-session endpoint. */
  localOnly?: boolean
}

export interface AuthClient {
  subscribe(listener: () => void): () => void
  getSnapshot(): AuthState
  /** Reads the session (or finishes a sign-in callback). Idempotent; the provider calls it on mount. */
  start(): Promise<void>
  login(options?: LoginOptions): Promise<void>
  logout(options?: LogoutOptions): Promise<void>
  /** A fresh access token: no I/O when the current one is fresh, else one refresh shared by every caller in every tab. */
  getAccessToken(): Promise<string>
  onEvent(listener: (event: AuthEvent) => void): () => void
  /** Stops timers and channel listeners (tests, hot reload). */
  dispose(): void
}

const LOADING: AuthState = { status: 'loading' }

export function createAuthClient(config: AuthConfig): AuthClient {
  const issuer = parseIssuer(config.issuer) // throws CONFIG early, before any I/O
  if (!config.clientId) throw new AuthError('CONFIG', 'clientId is required.')

  const clock = config.clock ?? browserClock
  const navigation = config.navigation ?? browserNavigation
  const lifecycle = config.lifecycle ?? browserLifecycle
  const channel = config.channel ?? browserChannel(CHANNEL_NAME)
  const key = `${config.issuer} ${config.clientId}`
  const transactions = new TransactionStore(config.transactionStorage ?? webStorage('sessionStorage'), `tabauth:tx:${key}`)
  const oauth = new OAuth({
    issuer,
    clientId: config.clientId,
    // Looked up at call time so tests and polyfills that replace fetch later take effect.
    fetch: config.fetch ?? ((input, init) => globalThis.fetch(input, init)),
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
  let cancelTimer: (() => void) | undefined
  const cleanups: Array<() => void> = []
  const listeners = new Set<() => void>()
  const eventListeners = new Set<(event: AuthEvent) => void>()

  function emit(event: AuthEvent) {
    for (const listener of eventListeners) listener(event)
  }

  function setState(next: AuthState) {
    if (shallowEqual(state, next)) return // keep the snapshot stable: React re-renders only on change
    state = next
    schedule()
    for (const listener of listeners) listener()
  }

  /** Takes `next` as this tab's session unless it is older than what we have. */
  function apply(next: SessionRecord, error?: AuthError): boolean {
    if (next.generation < record.generation) return false
    const previousUser = state.status === 'signedIn' || state.status === 'reloginRequired' ? state.user : undefined
    record = next
    const session = next.session
    if (session) {
      setState({ status: 'signedIn', user: session.user, accessToken: session.tokens.accessToken, expiresAt: session.tokens.expiresAt, generation: next.generation })
    } else if (next.ended === 'reloginRequired') {
      setState({ status: 'reloginRequired', user: previousUser, error: error ?? new LoginRequiredError('The session ended at the server (the grant was revoked or expired): sign in again.') })
    } else {
      setState({ status: 'signedOut' })
    }
    return true
  }

  function broadcast() {
    channel.post(sessionMessage(key, record.generation))
  }

  /** Re-reads the store and adopts a newer generation (another tab wrote it). */
  function sync(): Promise<void> {
    syncing ??= readRecord(ctx)
      .then((latest) => {
        if (latest.generation > record.generation && apply(latest)) {
          emit(latest.session ? { type: 'adopted', generation: latest.generation } : latestEndEvent(latest))
        }
      })
      .catch(() => {}) // the store is unreadable right now; the next read retries
      .finally(() => (syncing = undefined))
    return syncing
  }

  function latestEndEvent(latest: SessionRecord): AuthEvent {
    return latest.ended === 'reloginRequired' && state.status === 'reloginRequired'
      ? { type: 'reloginRequired', generation: latest.generation, error: state.error }
      : { type: 'signedOut', generation: latest.generation }
  }

  /** A visible tab with listeners refreshes at `refreshAt`; hidden tabs refresh only when read. */
  function schedule() {
    cancelTimer?.()
    cancelTimer = undefined
    if (!listeners.size || state.status !== 'signedIn' || !record.session) return
    const delay = refreshAt(record.session.tokens, ctx.skewMs) - clock.now()
    if (!Number.isFinite(delay)) return
    cancelTimer = clock.setTimeout(() => {
      if (lifecycle.isVisible()) getAccessToken().catch(() => {})
    }, Math.min(Math.max(delay, 0), 2 ** 31 - 1))
  }

  async function boot() {
    cleanups.push(
      channel.subscribe((raw) => {
        const message = parseMessage(raw, key)
        if (message === undefined) emit({ type: 'channelMessageIgnored', message: raw })
        else if (message !== 'foreign' && message.generation > record.generation) void sync()
      }),
      // A tab that was hidden, frozen or in the back/forward cache may hold an old generation.
      lifecycle.onWake(() => {
        // Back from the server's page via the back/forward cache: the redirect did not happen.
        if (state.status === 'redirecting') apply(record)
        void sync().then(() => {
          if (lifecycle.isVisible() && state.status === 'signedIn' && record.session && !isFresh(record.session.tokens, ctx.skewMs, clock.now())) {
            getAccessToken().catch(() => {})
          }
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
    apply(parseRecord(raw) ?? emptyRecord)
  }

  async function handleCallback(callback: URL) {
    let tx
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
      const authError = toAuthError(error)
      // The user said no, or the server could not sign them in: they are signed out, with the reason.
      if (authError.code === 'AUTHORIZATION_ERROR') setState({ status: 'signedOut', error: authError })
      else setState({ status: 'error', error: authError })
    }
  }

  function start() {
    return (started ??= boot().catch((error) => {
      setState({ status: 'error', error: toAuthError(error) })
    }))
  }

  async function getAccessToken(): Promise<string> {
    await start()
    const session = record.session
    if (session && isFresh(session.tokens, ctx.skewMs, clock.now())) return session.tokens.accessToken
    if (!session) {
      throw state.status === 'reloginRequired' ? state.error : new LoginRequiredError()
    }
    refreshing ??= refresh().finally(() => (refreshing = undefined))
    return refreshing
  }

  async function refresh(): Promise<string> {
    const outcome = await refreshSession(ctx)
    // Every tab reports a dead session as LOGIN_REQUIRED; this tab also knows the server's answer (the cause).
    const loginRequired = outcome.kind === 'invalidGrant' ? new LoginRequiredError(outcome.error.message, { cause: outcome.error, error: outcome.error.error }) : undefined
    apply(outcome.record, loginRequired)
    const generation = outcome.record.generation
    if (outcome.kind === 'refreshed') {
      broadcast()
      emit({ type: 'refreshed', generation })
    } else if (loginRequired) {
      broadcast()
      emit({ type: 'reloginRequired', generation, error: loginRequired })
      throw loginRequired
    } else {
      emit(outcome.record.session ? { type: 'adopted', generation } : latestEndEvent(outcome.record))
    }
    const session = outcome.record.session
    if (!session) throw state.status === 'reloginRequired' ? state.error : new LoginRequiredError()
    return session.tokens.accessToken
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
    logout,
    getAccessToken,
    onEvent(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    dispose() {
      cancelTimer?.()
      listeners.clear()
      for (const cleanup of cleanups.splice(0)) cleanup()
    },
  }
}

function toAuthError(error: unknown): AuthError {
  return error instanceof AuthError ? error : new AuthError('INVALID_RESPONSE', String(error), { cause: error })
}

function shallowEqual(a: object, b: object): boolean {
  const keysA = Object.keys(a)
  return keysA.length === Object.keys(b).length && keysA.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}
