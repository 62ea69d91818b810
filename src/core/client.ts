/**
 * The client: one model per tab, changed only by `send` (transition in machine.ts), then
 * listeners, then the effects in order (broadcast before events), then the one wake-up timer
 * derived from the model. Flows live in flows.ts (session), access.ts (tokens) and login.ts
 * (sign-in); the tab's wiring in tab.ts. `dispose()` undoes every timer, wait and subscription.
 */
import { accessFlows } from './access'
import { sessionMessage } from './channel'
import { resolveConfig } from './config'
import { AuthError } from './errors'
import { fetchWithToken } from './fetchWithToken'
import { sessionFlows } from './flows'
import { register } from './internals'
import { loginFlows } from './login'
import { initialModel, transition, wakeAt, type Effect, type Message, type Model } from './machine'
import { claimRelogin } from './refresh'
import { reloginByRedirect, type AutoRelogin } from './relogin'
import type { Runtime } from './runtime'
import { emptyRecord } from './store'
import { wireTab } from './tab'
import { Timer } from './timer'
import type { AuthClient, AuthConfig, AuthEvent, LogoutOptions, LogoutResult } from './types'

export function createAuthClient(config: AuthConfig): AuthClient {
  const c = resolveConfig(config)
  const { clock, lifecycle } = c
  let model: Model = initialModel(c.firstState(), emptyRecord)
  let disposed = false
  let started: Promise<void> | undefined
  const listeners = new Set<() => void>()
  const eventListeners = new Set<(event: AuthEvent) => void>()
  /** Subscriptions, timers and waits that dispose() stops. */
  const cleanups = new Set<() => void>()
  const timer = new Timer(clock)

  const rt: Runtime = {
    c,
    model: () => model,
    send,
    onEvent,
    later(fn, ms) {
      const cancel = clock.setTimeout(() => {
        cleanups.delete(stop)
        fn()
      }, ms)
      const stop = () => {
        cleanups.delete(stop)
        cancel()
      }
      cleanups.add(stop)
      return stop
    },
    sleep: (ms) =>
      new Promise<void>((resolve, reject) => {
        if (disposed) return reject(disposedError())
        const abandon = () => reject(disposedError())
        cleanups.add(abandon)
        rt.later(() => {
          cleanups.delete(abandon)
          resolve()
        }, ms)
      }),
    live() {
      if (disposed) throw disposedError()
    },
  }

  /** The one place the model changes. */
  function send(message: Message) {
    if (disposed) return
    const [next, effects] = transition(model, message, clock.now())
    const changed = next.state !== model.state
    model = next
    if (changed) for (const listener of listeners) listener()
    timer.set(wakeAt(model, { online: lifecycle.isOnline(), visible: lifecycle.isVisible(), skewMs: c.session.skewMs, now: clock.now() }), onTimer)
    for (const effect of effects) run(effect)
  }

  const autoRelogin: AutoRelogin = {
    enabled: config.relogin === 'redirect',
    isVisible: () => lifecycle.isVisible(),
    breaker: c.breaker,
    now: () => clock.now(),
    claim: () => claimRelogin(c.session, c.reloginWindowMs),
    login: () => login(),
    onLoop: (error) => send({ type: 'reloginLoop', error }),
  }

  function run(effect: Effect) {
    if (effect.type === 'broadcast') c.channel.post(sessionMessage(c.key, effect.generation))
    else if (effect.type === 'emit') for (const listener of eventListeners) listener(effect.event)
    else if (effect.type === 'warn') warn(effect.error)
    else if (effect.type === 'navigate') c.navigation.assign(effect.url)
    else if (effect.type === 'relogin') void reloginByRedirect(autoRelogin)
    else if (effect.type === 'closeWindow')
      c.navigation.close?.() // the opener and every tab take the session from the store
    else config.onRedirectCallback?.(effect.path)
  }

  function warn(error: AuthError) {
    if (c.debug) console.warn(`[tabauth] ${error.code}: ${error.message}`)
  }

  function onEvent(listener: (event: AuthEvent) => void) {
    if (disposed) throw disposedError()
    eventListeners.add(listener)
    return () => void eventListeners.delete(listener)
  }

  const access = accessFlows(rt, start)
  const session = sessionFlows(rt, access.whilePending)
  const { login, autoLogin } = loginFlows({
    oauth: c.oauth,
    navigation: c.navigation,
    clock,
    scope: c.scope,
    authorizationParams: config.authorizationParams,
    redirectUri: c.redirectUri,
    transactions: c.transactions,
    popupTransactions: c.popupTransactions,
    breaker: c.breaker,
    state: () => model.state,
    send,
    onEvent,
    sync: session.sync,
    hasSession: () => model.record.session !== null,
  })

  /** The wake-up: a visible tab refreshes; a hidden one only re-reads the store at expiry. */
  function onTimer() {
    if (lifecycle.isVisible()) access.refreshIfVisible()
    else if (model.record.session) void session.settle()
  }

  function start(): Promise<void> {
    if (disposed) return Promise.reject(disposedError())
    return (started ??= (async () => {
      cleanups.add(wireTab(rt, { sync: session.sync, settle: session.settle, afterWake: access.afterWake }))
      await session.load()
    })().catch(session.startFailed))
  }

  /** A call on a disposed client rejects with DISPOSED, never half-works. */
  function whileLive<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args) => {
      rt.live()
      return fn(...args)
    }
  }

  async function logout(options?: LogoutOptions): Promise<LogoutResult> {
    await start()
    rt.live()
    return session.logout(options)
  }

  const client: AuthClient = {
    subscribe(listener) {
      if (disposed) return () => {} // React may still subscribe while it unmounts the provider that disposed it
      listeners.add(listener)
      if (listeners.size === 1) send({ type: 'listening', listening: true })
      return () => {
        listeners.delete(listener)
        if (!listeners.size) send({ type: 'listening', listening: false })
      }
    },
    getSnapshot: () => model.state,
    start,
    login: whileLive(login),
    autoLogin: whileLive(autoLogin),
    logout: whileLive(logout),
    getAccessToken: () => access.getAccessToken(),
    fetch: fetchWithToken((request, token) => c.oauth.resourceRequest(request, token), access.getAccessToken),
    onEvent,
    dispose() {
      if (disposed) return
      disposed = true
      timer.clear()
      for (const cleanup of [...cleanups]) cleanup()
      cleanups.clear()
      listeners.clear()
      eventListeners.clear()
    },
  }
  return register(client, { clock, disposed: () => disposed })
}

function disposedError(): AuthError {
  return new AuthError('DISPOSED', 'This tabauth client was disposed (its AuthProvider unmounted, or dispose() was called): use a new client.')
}
