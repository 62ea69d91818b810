/**
 * The client's configuration, checked and resolved once: adapters with their browser defaults,
 * the stores, the protocol object, and the contexts the flows receive. No I/O happens here.
 */
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
  type Navigation,
  type PageLifecycle,
} from './adapters'
import type { CallbackContext } from './callback'
import { CHANNEL_NAME } from './channel'
import { DEVELOPMENT } from './env'
import { AuthError } from './errors'
import { hintedStore, readHint } from './hint'
import { OAuth } from './oauth'
import type { SessionContext } from './refresh'
import { ReloginBreaker } from './relogin'
import { defaultStore } from './store'
import { TransactionStore } from './transaction'
import type { AuthConfig, AuthState } from './types'
import { isCallback, parseIssuer } from './url'

export interface Resolved {
  config: AuthConfig
  key: string
  clock: Clock
  navigation: Navigation
  lifecycle: PageLifecycle
  channel: Channel
  oauth: OAuth
  session: SessionContext
  callback: CallbackContext
  transactions: TransactionStore
  popupTransactions: TransactionStore
  breaker: ReloginBreaker
  reloginWindowMs: number
  scope: string
  debug: boolean
  redirectUri(): string
  origin(): string
  /** Loading, or signed in at once from the first-render hint unless this page is the sign-in callback. */
  firstState(): AuthState
}

export function resolveConfig(config: AuthConfig): Resolved {
  const issuer = parseIssuer(config.issuer) // throws CONFIG early, before any I/O
  if (!config.clientId) throw new AuthError('CONFIG', 'clientId is required.')
  // `dpop: true` was the option before DPoP moved to its own entry: never let it mean "off" in silence.
  if (config.dpop && typeof config.dpop.bind !== 'function') throw new AuthError('CONFIG', "dpop takes dpop() from 'tabauth/dpop'.")

  const clock = config.clock ?? browserClock
  const navigation = config.navigation ?? browserNavigation
  // Looked up at call time so that tests and polyfills that replace fetch later take effect.
  const fetchImpl = config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  const key = `${config.issuer} ${config.clientId}`
  const tabStorage = config.transactionStorage ?? webStorage('sessionStorage')
  const transactions = new TransactionStore(tabStorage, `tabauth:tx:${key}`)
  const popupTransactions = new TransactionStore(config.popupTransactionStorage ?? webStorage('localStorage'), `tabauth:popup-tx:${key}`)
  const reloginWindowMs = (config.reloginWindowSeconds ?? 60) * 1000
  const scope = config.scope ?? 'openid profile offline_access'
  const oauth = new OAuth({
    issuer,
    clientId: config.clientId,
    fetch: fetchImpl,
    metadata: config.metadata,
    algorithm: scope.split(' ').includes('openid') ? 'oidc' : 'oauth2',
    timeoutMs: config.requestTimeoutMs ?? 10_000,
    clock,
    dpop: config.dpop ? config.dpop.bind(key) : undefined,
  })
  // The first-render hint (hint.ts): by default only beside the default IndexedDB store, never in memory-only mode.
  const hints: KeyValueStorage | undefined = config.hintStorage ?? (config.store === undefined && typeof indexedDB !== 'undefined' ? webStorage('localStorage') : undefined)
  const store = config.store ?? defaultStore()
  const session: SessionContext = {
    store: hints ? hintedStore(store, hints, key) : store,
    key,
    lock: config.lock ?? browserLock(),
    lockTimeoutMs: config.lockTimeoutMs ?? 20_000,
    oauth,
    skewMs: (config.expirySkewSeconds ?? 30) * 1000,
    retry: config.retry ?? {},
    now: () => clock.now(),
  }
  const origin = () => new URL(navigation.currentUrl()).origin
  const redirectUri = () => config.redirectUri ?? `${origin()}/callback`
  const callback: CallbackContext = {
    session,
    oauth,
    transactions,
    popupTransactions,
    navigation,
    clock,
    clientId: config.clientId,
    codeLifetimeMs: (config.codeLifetimeSeconds ?? 60) * 1000,
    userinfo: config.userinfo ?? false,
    origin,
  }
  function firstState(): AuthState {
    const loading: AuthState = { status: 'loading' }
    if (!hints) return loading
    try {
      if (isCallback(new URL(navigation.currentUrl()), new URL(redirectUri()))) return loading
    } catch {
      return loading
    }
    return readHint(hints, key, clock.now()) ?? loading
  }
  return {
    config,
    key,
    clock,
    navigation,
    lifecycle: config.lifecycle ?? browserLifecycle,
    channel: config.channel ?? browserChannel(CHANNEL_NAME),
    oauth,
    session,
    callback,
    transactions,
    popupTransactions,
    breaker: new ReloginBreaker(tabStorage, `tabauth:relogin:${key}`, reloginWindowMs),
    reloginWindowMs,
    scope,
    debug: config.debug ?? DEVELOPMENT,
    redirectUri,
    origin,
    firstState,
  }
}
