/**
 * `createAuthClient`: one tab's client. It owns the machine's model (machine.ts) and is the one
 * place that commits it: `send` runs the transition, commits, re-arms the tab's one timer from the
 * model, notifies listeners, then runs the effects in order (broadcast, then events). It wires the
 * tab's inputs (channel, store, wake-ups, timer) to the flows (flows.ts, login.ts), and cleans all
 * of it up in dispose().
 */
import type { PageLifecycle } from './adapters'
import { parseMessage, sessionMessage } from './channel'
import { resolveConfig, type Setup } from './config'
import { AuthError } from './errors'
import { fetchWithToken } from './fetchWithToken'
import { sessionFlows, type Tab } from './flows'
import { register } from './internals'
import { loginFlows } from './login'
import { initialModel, transition, type Effect, type Message, type Model } from './machine'
import { sameState } from './state'
import { emptyRecord } from './store'
import { isFresh, nextWakeAt } from './timing'
import type { ReloginHandler } from './relogin'
import type { AuthClient, AuthConfig, AuthEvent, AuthState } from './types'
import { isCallback } from './url'

export function createAuthClient(config: AuthConfig): AuthClient {
  const setup = resolveConfig(config)
  const { clock, lifecycle, channel, session: ctx, key } = setup
  let model = initialModel(firstState(setup), emptyRecord)
  let disposed = false
  const listeners = new Set<() => void>()
  const eventListeners = new Set<(event: AuthEvent) => void>()
  /** What dispose() ends: subscriptions, and the timers and waits of `after`. */
  const holds = new Set<() => void>()
  /** Cancels the tab's one timer (arm()). */
  let disarm: (() => void) | undefined

  function send(message: Message) {
    if (disposed) return
    const before = model.state
    const [next, effects] = transition(model, message, clock.now())
    // Snapshots stay the same object unless a field changed, so React re-renders only on change.
    model = sameState(before, next.state) ? { ...next, state: before } : next
    arm()
    if (model.state !== before) for (const listener of listeners) listener()
    for (const effect of effects) run(effect, setup, model.record.generation, emit, tab.relogin)
  }

  /**
   * The tab's one timer, computed from the model after every message (timing.ts). A timer that fires
   * before its time by the page's clock (Firefox rounds Date.now()) is set again, after the callback:
   * the token it came for still looks fresh, so nothing would be sent and no message would set it again.
   */
  function arm() {
    const at = wakeAt(model, lifecycle, ctx.skewMs, clock.now())
    disarm?.()
    disarm = Number.isFinite(at) ? clock.setTimeout(() => (clock.now() < at ? queueMicrotask(arm) : look()), Math.min(Math.max(at - clock.now(), 0), 2 ** 31 - 1)) : undefined
  }

  function after(ms: number, fn: () => void, onDispose?: () => void): () => void {
    const hold = () => {
      cancel()
      onDispose?.()
    }
    const cancel = clock.setTimeout(() => {
      holds.delete(hold)
      fn()
    }, ms)
    holds.add(hold)
    return () => {
      holds.delete(hold)
      cancel()
    }
  }

  const emit = (event: AuthEvent) => eventListeners.forEach((listener) => listener(event))

  function onEvent(listener: (event: AuthEvent) => void) {
    eventListeners.add(listener)
    return () => void eventListeners.delete(listener)
  }

  const disposedError = () => new AuthError('DISPOSED', 'This client was disposed (dispose(), or its AuthProvider unmounted): create a new one.')
  const tab: Tab = { setup, model: () => model, send, after, onEvent, wire, disposed: disposedError }
  // What `tabauth/relogin` does, when the app asked for it (its login() runs only once the client is made).
  if (config.relogin !== 'prompt') tab.relogin = config.relogin?.bind({ ...tab, login: () => login() })
  const flows = sessionFlows(tab)
  // Timers of the sign-in flows (the popup's) end with the client too.
  const timers = { now: () => clock.now(), setTimeout: (fn: () => void, ms: number, onDispose?: () => void) => after(ms, fn, onDispose) }
  const { login, autoLogin } = loginFlows({
    ...setup,
    clock: timers,
    authorizationParams: config.authorizationParams,
    state: () => model.state,
    send,
    emit,
    onEvent,
    sync: flows.sync,
    hasSession: () => model.record.session !== null,
  })

  /** A visible tab with a session refreshes if its token is stale; a hidden one only reads what the others wrote. */
  const look = () => model.record.session && (lifecycle.isVisible() ? flows.getAccessToken().catch(() => {}) : flows.settle())

  /** The tab's inputs: another tab's write (channel, store events), and the page waking up. */
  function wire() {
    holds.add(
      channel.subscribe((raw) => {
        const message = parseMessage(raw, key)
        const { record } = model
        // An event only, the tab's session unchanged; without the message: it may carry what the app shares on the channel, tokens included.
        if (message === undefined) emit({ type: 'channelMessageIgnored' })
        else if (message === 'foreign') return
        else if (message.generation > record.generation) void flows.sync()
        // The same generation again: another tab's refresh failed and it wrote the shared schedule.
        else if (message.generation === record.generation && record.session) void flows.settle()
      }),
    )
    const unsubscribe = ctx.store.subscribe?.(() => void flows.sync())
    if (unsubscribe) holds.add(unsubscribe)
    // Visible again, back online, resumed from freeze or the back/forward cache: this tab may hold an old generation.
    holds.add(
      lifecycle.onWake(() => {
        send({ type: 'woke' })
        void flows.sync().then(() => {
          const { state, record } = model
          if (state.status === 'reloginRequired') tab.relogin?.required()
          else if (record.session && (state.status === 'outage' || !isFresh(record.session.tokens, ctx.skewMs, clock.now()))) void look()
        })
      }),
    )
  }

  /** A disposed client's calls reject with DISPOSED: it never half-works. */
  const live =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      disposed ? Promise.reject(disposedError()) : fn(...args)
  const getAccessToken = live(flows.getAccessToken)

  const client: AuthClient = {
    // After dispose() a listener is kept but never called: send() does nothing any more.
    subscribe(listener) {
      listeners.add(listener)
      send({ type: 'listening', listening: true })
      return () => {
        listeners.delete(listener)
        send({ type: 'listening', listening: listeners.size > 0 })
      }
    },
    getSnapshot: () => model.state,
    start: live(flows.start),
    login: live(login),
    autoLogin: live(autoLogin),
    logout: live(flows.logout),
    getAccessToken: () => getAccessToken(),
    fetch: fetchWithToken(
      (request, token) => setup.oauth.resourceRequest(request, token),
      getAccessToken,
      () => config.resourceServers ?? [setup.origin()],
    ),
    onEvent,
    dispose() {
      if (disposed) return
      disposed = true
      disarm?.()
      setup.dpop?.dispose?.()
      listeners.clear()
      eventListeners.clear()
      for (const hold of [...holds]) hold()
      holds.clear()
    },
  }
  return register(client, clock)
}

/** Runs one of the machine's effects (machine.ts), after the model is committed and the listeners told. */
function run(effect: Effect, { channel, key, debug, navigation, config }: Setup, generation: number, emit: (event: AuthEvent) => void, relogin?: ReloginHandler) {
  switch (effect.type) {
    case 'broadcast':
      return channel.post(sessionMessage(key, generation))
    case 'emit':
      return emit(effect.event)
    case 'warn':
      if (debug) console.warn(`[tabauth] ${effect.error.code}: ${effect.error.message}`)
      return
    case 'navigate':
      return navigation.assign(effect.url)
    case 'relogin':
      return relogin?.required()
    case 'close':
      return navigation.close?.() // the opener and every tab take the session from the store
    case 'returnTo':
      return config.onRedirectCallback?.(effect.path)
  }
}

/** When the tab wakes by itself next (timing.ts), from its model and the page's state. */
function wakeAt({ state, record, backoff, listening }: Model, lifecycle: PageLifecycle, skewMs: number, now: number): number {
  // Only a session the tab still shows (signedIn, or kept through an outage) is refreshed or looked at.
  const kept = state.status === 'signedIn' || state.status === 'outage'
  return nextWakeAt({ listening, tokens: kept ? record.session?.tokens : undefined, retryAt: backoff.retryAt, online: lifecycle.isOnline(), visible: lifecycle.isVisible(), skewMs, now })
}

/** Loading, or signed in at once from the first-render hint unless this page is the sign-in callback. */
function firstState({ hint, navigation, redirectUri, clock }: Setup): AuthState {
  try {
    const signedIn = hint && !isCallback(new URL(navigation.currentUrl()), new URL(redirectUri())) && hint.read(clock.now())
    if (signedIn) return signedIn
  } catch {
    // no page to read (server-side rendering)
  }
  return { status: 'loading' }
}
