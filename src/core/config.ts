/** The client's configuration, checked and resolved once: every default, adapter and shared context. */
import { browserChannel, browserClock, browserLifecycle, browserLock, browserNavigation, webStorage } from './adapters'
import type { CallbackContext } from './callback'
import { CHANNEL_NAME } from './channel'
import { AuthError } from './errors'
import { createOAuth } from './oauth'
import type { SessionContext } from './refresh'
import { reloginBreaker } from './relogin'
import { defaultStore } from './store'
import { transactionStore } from './transaction'
import type { AuthConfig } from './types'
import { parseIssuer } from './url'

export type Setup = ReturnType<typeof resolveConfig>

export function resolveConfig(config: AuthConfig) {
  const issuer = parseIssuer(config.issuer) // throws CONFIG early, before any I/O
  if (!config.clientId) throw new AuthError('CONFIG', 'clientId is required.')
  // Options of earlier releases that moved to entries of their own (`dpop: true`, `userinfo: true`,
  // `relogin: 'redirect'`, `reloginWaitMs`, `hintStorage`): never "off" in silence.
  const moved = config as { hintStorage?: unknown; reloginWaitMs?: unknown }
  if (
    (config.dpop && typeof config.dpop.bind !== 'function') ||
    (config.userinfo && typeof config.userinfo !== 'function') ||
    (config.relogin && config.relogin !== 'prompt' && typeof config.relogin.bind !== 'function') ||
    moved.hintStorage ||
    moved.reloginWaitMs
  ) {
    throw new AuthError(
      'CONFIG',
      "dpop takes dpop() from 'tabauth/dpop', userinfo userinfo() from 'tabauth/userinfo', relogin 'prompt' or relogin({ redirect, waitMs }) from 'tabauth/relogin' (also for reloginWaitMs); hintStorage is hint: firstRenderHint({ storage }) from 'tabauth/hint'.",
    )
  }
  for (const server of config.resourceServers ?? []) if (!URL.canParse(server)) throw new AuthError('CONFIG', `resourceServers: "${server}" is not an absolute URL.`)

  const clock = config.clock ?? browserClock
  const navigation = config.navigation ?? browserNavigation
  const key = `${config.issuer} ${config.clientId}`
  const tabStorage = config.transactionStorage ?? webStorage('sessionStorage')
  const transactions = transactionStore(tabStorage, `tabauth:tx:${key}`)
  const popup = config.popup?.bind(key, clock)
  const scope = config.scope ?? 'openid profile offline_access'
  const dpop = config.dpop?.bind(key)
  const oauth = createOAuth({
    issuer,
    clientId: config.clientId,
    // Looked up at call time so that tests and polyfills that replace fetch later take effect.
    fetch: config.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)),
    metadata: config.metadata,
    algorithm: scope.split(' ').includes('openid') ? 'oidc' : 'oauth2',
    timeoutMs: config.requestTimeoutMs ?? 10_000,
    clock,
    dpop,
    serverClock: config.serverClock,
  })
  // The first-render hint (`tabauth/hint`), when the app asked for it.
  const hint = config.hint?.bind(key)
  const store = config.store ?? defaultStore()
  const session: SessionContext = {
    store: hint ? hint.wrap(store) : store,
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
  const setup = {
    config,
    key,
    clock,
    navigation,
    lifecycle: config.lifecycle ?? browserLifecycle,
    channel: config.channel ?? browserChannel(CHANNEL_NAME),
    transactions,
    popup,
    breaker: reloginBreaker(tabStorage, `tabauth:relogin:${key}`, (config.reloginWindowSeconds ?? 60) * 1000),
    debug: config.debug ?? process.env.NODE_ENV !== 'production',
    scope,
    dpop,
    oauth,
    hint,
    session,
    origin,
    redirectUri,
    clientId: config.clientId,
    popupTransactions: popup?.transactions,
    codeLifetimeMs: (config.codeLifetimeSeconds ?? 60) * 1000,
    userinfo: config.userinfo,
  }
  // What the sign-in callback reads (callback.ts), checked here.
  return setup satisfies CallbackContext
}
