/**
 * One tab's session as a state machine: the one place where the snapshot changes.
 *
 * The model is what this tab knows (its snapshot, the record it holds, the shared backoff it
 * follows, whether anything listens). Flows (boot, callback, sync, refresh, logout: flows.ts and
 * access.ts) await their I/O and then send one message saying what happened; `transition` turns
 * the model and the message into the next model and the effects to run, as data. The client
 * (client.ts) commits the model, notifies listeners, runs the effects in order (broadcast, then
 * events), and derives the one wake-up timer from the committed model (`wakeAt`).
 */
import { backingOff, failed, noBackoff, type Backoff } from './backoff'
import type { CallbackOutcome } from './callback'
import type { AuthError } from './errors'
import { isOutage, sameState, stateFor } from './state'
import type { RetrySchedule, SessionRecord, TokenSet } from './store'
import { nextWakeAt, unexpired } from './timing'
import type { AuthEvent, AuthState, LogoutResult } from './types'

export interface Model {
  /** What `getSnapshot()` returns. */
  state: AuthState
  /** The newest session record this tab has seen (generations only grow). */
  record: SessionRecord
  backoff: Backoff
  /** Something renders the session (a subscribed listener): only then does the tab wake by itself. */
  listening: boolean
  /** Which wait (see access.ts `whilePending`) put REFRESH_PENDING on screen, while it is still there. */
  pendingBy?: number
  /** This tab's refresh in flight has the lock (its own request is out), rather than waiting for another tab. */
  lockHeld: boolean
}

export type Message =
  /** The store was read at start. */
  | { type: 'loaded'; record: SessionRecord }
  /** No page to read (a server-side render). */
  | { type: 'noPage' }
  | { type: 'startFailed'; error: AuthError }
  /** The sign-in callback ended (callback.ts). */
  | { type: 'callbackDone'; outcome: CallbackOutcome }
  /** The store was read again (another tab may have written a newer generation). */
  | { type: 'recordRead'; record: SessionRecord }
  /** The record once every refresh in flight (in any tab) had ended: adopt it, or follow its shared schedule. */
  | { type: 'settledRead'; record: SessionRecord; scheduled?: AuthError }
  | { type: 'refreshStarted' }
  | { type: 'lockTaken' }
  /** A refresh got a new token (`refreshed`), or found another tab's result (`adopted`). */
  | { type: 'refreshed' | 'adopted'; record: SessionRecord }
  /** The grant is dead: the session ended for every tab. `error` is what callers and the snapshot get; `cause` the server's answer. */
  | { type: 'grantDied'; record: SessionRecord; error: AuthError; cause: AuthError }
  /** The server rejected the client itself: every tab shows this CONFIG error. */
  | { type: 'clientRejected'; record: SessionRecord; error: AuthError }
  /** A transient failure; `schedule` when it came with the shared one, else this tab backs off alone by `ownDelayMs`. */
  | { type: 'refreshFailed'; error: AuthError; schedule?: RetrySchedule; sent: boolean; ownDelayMs: number; rejected?: string }
  /** A caller asked for a token during the backoff. */
  | { type: 'askedInBackoff' }
  /** A refresh (or the wait for another tab's) ran past the token's expiry. */
  | { type: 'pendingShown'; by: number; tokens: TokenSet; error: AuthError }
  | { type: 'pendingEnded'; by: number; lockTimedOut: boolean }
  /** Visible again, back online, resumed: worth one try inside the backoff; back from the server's page via bfcache. */
  | { type: 'woke' }
  /** After a wake-up, the store read again. */
  | { type: 'awake' }
  | { type: 'redirecting' }
  | { type: 'signInFailed'; error: AuthError }
  | { type: 'popupBlocked' }
  /** The sign-in popup closed or timed out without a session: back to what the page showed. */
  | { type: 'popupClosed'; before: AuthState; timedOut: boolean }
  /** The route guard's login was refused by the loop breaker. */
  | { type: 'autoLoginLoop'; error: AuthError }
  /** The automatic re-login was refused by the loop breaker. */
  | { type: 'reloginLoop'; error: AuthError }
  /** logout() ended the session in the store. */
  | { type: 'signedOut'; record: SessionRecord }
  /** logout() at the server is done. */
  | { type: 'loggedOut'; result: LogoutResult; endSessionUrl?: string }
  | { type: 'listening'; listening: boolean }
  | { type: 'channelMessageIgnored'; message: unknown }

export type Effect =
  /** Tell the other tabs that `generation` (or its retry schedule) was written. */
  | { type: 'broadcast'; generation: number }
  | { type: 'emit'; event: AuthEvent }
  | { type: 'warn'; error: AuthError }
  | { type: 'navigate'; url: string }
  /** The session now waits for a re-login: relogin: 'redirect' may send one visible tab to the server. */
  | { type: 'relogin' }
  /** A popup's sign-in is done: close this window. */
  | { type: 'closeWindow' }
  | { type: 'returnTo'; path: string }

export function initialModel(state: AuthState, record: SessionRecord): Model {
  return { state, record, backoff: noBackoff, listening: false, lockHeld: false }
}

/** The next model and the effects to run after it is committed. Pure: no I/O, no clock but `now`. */
export function transition(model: Model, message: Message, now: number): [Model, Effect[]] {
  const [next, effects] = step(model, message, now)
  // Entering reloginRequired, however it happened, may start the automatic re-login.
  if (next.state.status === 'reloginRequired' && model.state.status !== 'reloginRequired') effects.unshift({ type: 'relogin' })
  return [next, effects]
}

function step(model: Model, message: Message, now: number): [Model, Effect[]] {
  switch (message.type) {
    case 'loaded':
      return [adopt(model, message.record), []]
    case 'noPage':
      return [show(model, { status: 'signedOut' }), []]
    case 'startFailed':
    case 'signInFailed':
      return [show(model, { status: 'error', error: message.error }), []]
    case 'callbackDone':
      return callbackDone(model, message.outcome)
    case 'recordRead':
      return seen(model, message.record)
    case 'settledRead': {
      if (message.record.generation > model.record.generation) return seen(model, message.record)
      const { retry } = message.record
      const session = model.record.session
      if (!retry || !message.scheduled || !session || unexpired(session.tokens, now)) return [model, []]
      return [outage({ ...model, backoff: failed(model.backoff, message.scheduled, retry, 0, now) }, now), []]
    }
    case 'refreshStarted':
      return [{ ...model, lockHeld: false, backoff: { ...model.backoff, wokeAt: undefined } }, []]
    case 'lockTaken':
      return [{ ...model, lockHeld: true }, []]
    case 'refreshed': {
      const { generation } = message.record
      return [adopt(model, message.record), [broadcast(generation), emit({ type: 'refreshed', generation })]]
    }
    case 'adopted':
      // The channel may have brought this generation first, and its event was emitted then.
      return message.record.generation > model.record.generation ? seen(model, message.record) : [adopt(model, message.record), []]
    case 'grantDied': {
      const { generation } = message.record
      const event: AuthEvent = { type: 'reloginRequired', generation, error: message.error }
      return [adopt(model, message.record, message.error), [{ type: 'warn', error: message.cause }, broadcast(generation), emit(event)]]
    }
    case 'clientRejected': {
      const { generation } = message.record
      const event: AuthEvent = { type: 'misconfigured', generation, error: message.error }
      return [adopt(model, message.record, message.error), [{ type: 'warn', error: message.error }, broadcast(generation), emit(event)]]
    }
    case 'refreshFailed':
      return refreshFailed(model, message, now)
    case 'askedInBackoff':
      return [outage(model, now), []]
    case 'pendingShown': {
      if (model.state.status !== 'signedIn' || model.record.session?.tokens !== message.tokens) return [model, []]
      return [{ ...show(model, { status: 'error', error: message.error }), pendingBy: message.by }, []]
    }
    case 'pendingEnded':
      if (model.pendingBy !== message.by || message.lockTimedOut) return [model, []]
      return [show(model, stateFor(model.record, model.state)), []]
    case 'woke': {
      const woken = { ...model, backoff: { ...model.backoff, retryAt: 0, wokeAt: now } }
      // Back from the server's page via the back/forward cache: the redirect did not happen.
      return [model.state.status === 'redirecting' ? adopt(woken, model.record) : woken, []]
    }
    case 'awake':
      return [model, model.state.status === 'reloginRequired' ? [{ type: 'relogin' }] : []]
    case 'redirecting':
      return [show(model, { status: 'redirecting' }), []]
    case 'popupBlocked':
      return [model, [emit({ type: 'popupBlocked' })]]
    case 'popupClosed': {
      const back = model.state.status === 'redirecting' ? show(model, message.before) : model
      return [back, [emit({ type: 'popupClosed', timedOut: message.timedOut })]]
    }
    case 'autoLoginLoop':
      return [show(model, { status: 'signedOut', error: message.error }), []]
    case 'reloginLoop': {
      const { state } = model
      const shown = state.status === 'reloginRequired' && state.error.code !== 'RELOGIN_LOOP' ? show(model, { ...state, error: message.error }) : model
      return [shown, [{ type: 'warn', error: message.error }]]
    }
    case 'signedOut': {
      const { generation } = message.record
      return [adopt(model, message.record), [broadcast(generation), emit({ type: 'signedOut', generation })]]
    }
    case 'loggedOut': {
      const { result, endSessionUrl } = message
      const effects: Effect[] = [...(result.error ? [{ type: 'warn', error: result.error } as const] : []), emit({ type: 'logout', result })]
      if (!endSessionUrl) return [model, effects]
      return [show(model, { status: 'redirecting' }), [...effects, { type: 'navigate', url: endSessionUrl }]]
    }
    case 'listening':
      return [{ ...model, listening: message.listening }, []]
    case 'channelMessageIgnored':
      return [model, [emit({ type: 'channelMessageIgnored', message: message.message })]]
  }
}

function callbackDone(model: Model, outcome: CallbackOutcome): [Model, Effect[]] {
  if (outcome.kind === 'ignored') {
    if (outcome.record.session) return [adopt(model, outcome.record), []]
    return [show({ ...model, record: outcome.record }, { status: 'signedOut', error: outcome.error }), []]
  }
  if (outcome.kind === 'failed') return [show(model, outcome.state), [{ type: 'warn', error: outcome.error }]]
  const { generation } = outcome.record
  const after: Effect = outcome.popup ? { type: 'closeWindow' } : { type: 'returnTo', path: outcome.returnTo }
  return [adopt(model, outcome.record), [broadcast(generation), emit({ type: 'signedIn', generation }), after]]
}

function refreshFailed(model: Model, message: Extract<Message, { type: 'refreshFailed' }>, now: number): [Model, Effect[]] {
  const { error, schedule, sent, rejected } = message
  // The failure already followed (a schedule read earlier) is not counted twice.
  const backoff = !schedule && model.backoff.lastFailure === error ? model.backoff : failed(model.backoff, error, schedule, message.ownDelayMs, now)
  const session = model.record.session
  const usable = session && unexpired(session.tokens, now, rejected)
  // The token is past its expiry and the refresh failing: no tab shows signedIn as if all were well. The session is kept.
  const next = usable ? { ...model, backoff } : show({ ...model, backoff }, { status: 'error', error })
  // A tab that checked its expiry before this failure was written must still learn of it.
  const told: Effect[] = sent && schedule ? [broadcast(model.record.generation), emit({ type: 'refreshFailed', error, retryInMs: schedule.notBefore - now })] : []
  return [next, told]
}

/** The token expired while the refresh is failing: no tab says signedIn as if all were well (the session is kept). */
function outage(model: Model, now: number): Model {
  const { state, backoff } = model
  const session = model.record.session
  const showing = state.status === 'signedIn' || (state.status === 'error' && state.error.code === 'REFRESH_PENDING')
  if (!showing || !session || unexpired(session.tokens, now) || !backoff.lastFailure) return model
  return show(model, { status: 'error', error: backoff.lastFailure })
}

/** A newer generation read from the store (or brought by a refresh): adopt it and say what happened. */
function seen(model: Model, record: SessionRecord): [Model, Effect[]] {
  if (record.generation <= model.record.generation) return [model, []]
  const next = adopt(model, record)
  return [next, [emit(record.session ? { type: 'adopted', generation: record.generation } : endEvent(next, record))]]
}

function endEvent(model: Model, ended: SessionRecord): AuthEvent {
  const { state } = model
  if (state.status === 'reloginRequired') return { type: 'reloginRequired', generation: ended.generation, error: state.error }
  if (state.status === 'error') return { type: 'misconfigured', generation: ended.generation, error: state.error }
  return { type: 'signedOut', generation: ended.generation }
}

/** Takes `record` as this tab's session unless it is older than what the tab holds; a session ends the backoff. */
function adopt(model: Model, record: SessionRecord, error?: AuthError): Model {
  if (record.generation < model.record.generation) return model
  const backoff = record.session ? { ...noBackoff, wokeAt: model.backoff.wokeAt } : model.backoff
  return show({ ...model, record, backoff }, stateFor(record, model.state, error))
}

/** The snapshot stays the same object unless a field changed (React re-renders only on change). */
function show(model: Model, state: AuthState): Model {
  if (sameState(model.state, state)) return model
  return { ...model, state, pendingBy: undefined }
}

const broadcast = (generation: number): Effect => ({ type: 'broadcast', generation })
const emit = (event: AuthEvent): Effect => ({ type: 'emit', event })

export interface WakeEnv {
  online: boolean
  visible: boolean
  skewMs: number
  now: number
}

/** When this tab next wakes by itself, derived from the committed model (see timing.ts); Infinity for never. */
export function wakeAt(model: Model, env: WakeEnv): number {
  const keepsSession = model.state.status === 'signedIn' || isOutage(model.state)
  return nextWakeAt({ listening: model.listening, tokens: keepsSession ? model.record.session?.tokens : undefined, retryAt: model.backoff.retryAt, ...env })
}

/** Callers must not cause a request now (see backoff.ts). */
export function inBackoff(model: Model, now: number): boolean {
  return backingOff(model.backoff, now)
}
