/**
 * One tab's session as a state machine: the one place where what a tab shows changes.
 *
 * The model is what this tab knows: its snapshot, the newest record it has seen, the shared backoff
 * it follows, whether anything renders it. Flows (flows.ts, login.ts) await their I/O and then send
 * one message saying what happened; `transition` turns the model and the message into the next
 * model and the effects to run, as data. The client (client.ts) commits the model, notifies
 * listeners, runs the effects in order (broadcast before events) and re-arms the tab's one timer
 * from the committed model. Like @xstate/store's transition and TanStack Query's reducer.
 */
import { noBackoff, scheduledError, type Backoff } from './backoff'
import type { CallbackOutcome } from './callback'
import { AuthError } from './errors'
import { isMisconfigured, isPending, stateFor } from './state'
import type { SessionRecord, TokenSet } from './store'
import { unexpired } from './timing'
import type { AuthEvent, AuthState, LogoutResult } from './types'

export interface Model {
  /** What `getSnapshot()` returns. */
  state: AuthState
  /** The newest session record this tab has seen (generations only grow). */
  record: SessionRecord
  backoff: Backoff
  /** Something renders the session (a subscribed listener): only then does the tab wake by itself. */
  listening: boolean
  /** Which wait (flows.ts `whilePending`) put REFRESH_PENDING on screen. */
  pendingBy?: number
}

export type Message =
  /** The store was read at start. */
  | { type: 'loaded'; record: SessionRecord }
  /** The store was read again: a newer generation is another tab's sign-in, refresh or ending. */
  | { type: 'seen'; record: SessionRecord }
  /** The record once every refresh in flight (in any tab) had ended: adopt it, or show the outage its schedule tells of. */
  | { type: 'settled'; record: SessionRecord }
  /** This tab's refresh got a new token, or found one another tab wrote. */
  | { type: 'refreshed' | 'adopted'; record: SessionRecord }
  /** The refresh token is spent: the session ended for every tab. `error` is what callers get, `cause` the server's answer. */
  | { type: 'ended'; record: SessionRecord; error: AuthError; cause: AuthError }
  /** A transient failure: the backoff's next step (the shared schedule's, or this tab's alone). `sent`: this tab's request failed. */
  | { type: 'refreshFailed'; error: AuthError; failures: number; retryAt: number; sent?: boolean; rejected?: string }
  /** A refresh goes out: the wake-up it may use is taken. */
  | { type: 'refreshStarted' }
  /** A caller asked for a token during the backoff. */
  | { type: 'askedInBackoff' }
  /** A refresh (or the wait for another tab's) ran past the token's expiry. */
  | { type: 'pending'; by: number; tokens: TokenSet }
  | { type: 'pendingEnded'; by: number; lockTimedOut: boolean }
  /** Visible again, back online, resumed: one try may go out inside the backoff; back from the server's page via bfcache. */
  | { type: 'woke' }
  | { type: 'callback'; outcome: CallbackOutcome }
  | { type: 'redirecting' }
  /** The start or a sign-in failed before anything was stored. */
  | { type: 'failed'; error: AuthError }
  /** A popup sign-in ended without a session: back to what the page showed. */
  | { type: 'restore'; state: AuthState }
  /** The loop breaker refused an automatic redirect: the route guard's login, or the re-login. */
  | { type: 'loginLoop' | 'reloginLoop'; error: AuthError }
  /** logout() ended the session in the store. */
  | { type: 'signedOut'; record: SessionRecord }
  /** logout() at the server is done. */
  | { type: 'loggedOut'; result: LogoutResult; endSessionUrl?: string }
  | { type: 'listening'; listening: boolean }

export type Effect =
  /** Tell the other tabs that the record (its generation, or its retry schedule) was written. */
  | { type: 'broadcast' }
  | { type: 'emit'; event: AuthEvent }
  | { type: 'warn'; error: AuthError }
  | { type: 'navigate'; url: string }
  /** The session now waits for a re-login: `relogin({ redirect: true })` (tabauth/relogin) may send one visible tab to the server. */
  | { type: 'relogin' }
  /** A popup's sign-in is done: close this window. */
  | { type: 'close' }
  | { type: 'returnTo'; path: string }

export function initialModel(state: AuthState, record: SessionRecord): Model {
  return { state, record, backoff: noBackoff, listening: false }
}

/** The next model and the effects to run once it is committed. Pure: no I/O, no clock but `now`, `model` untouched. */
export function transition(model: Model, message: Message, now: number): [Model, Effect[]] {
  const next = { ...model }
  const effects: Effect[] = []
  step(next, effects, message, now)
  // Entering reloginRequired, however it happened, may start the automatic re-login.
  if (next.state.status === 'reloginRequired' && model.state.status !== 'reloginRequired') effects.unshift({ type: 'relogin' })
  return [next, effects]
}

const broadcast: Effect = { type: 'broadcast' }
const emit = (event: AuthEvent): Effect => ({ type: 'emit', event })

/** Changes `m`, the new model (a copy: its nested objects are replaced, never changed), and adds to `effects`. */
function step(m: Model, effects: Effect[], message: Message, now: number): void {
  const { state, record } = m
  switch (message.type) {
    case 'loaded':
      return adopt(m, message.record)
    case 'adopted':
    case 'seen':
      // This tab's refresh found another tab's result: the channel may have brought it first, and its event was emitted then.
      if (message.type === 'adopted' && message.record.generation <= record.generation) return adopt(m, message.record)
      return seen(m, effects, message.record)
    case 'settled': {
      if (message.record.generation > record.generation) return seen(m, effects, message.record)
      const { retry } = message.record
      if (retry && record.session && !unexpired(record.session.tokens, now)) {
        m.backoff = { ...m.backoff, failures: retry.failures, retryAt: retry.notBefore, error: scheduledError(retry) }
        return outage(m, now)
      }
      // The holder let go without a word (its tab closed): nothing is pending any more.
      if (isPending(state)) m.state = stateFor(record, state)
      return
    }
    case 'refreshed':
    case 'signedOut':
      adopt(m, message.record)
      return void effects.push(broadcast, emit({ type: message.type, generation: message.record.generation }))
    case 'ended':
      // The server rejected the client: every tab shows the record's CONFIG error, no tab sends again.
      adopt(m, message.record, isMisconfigured(message.record) ? undefined : message.error)
      return void effects.push({ type: 'warn', error: message.cause }, broadcast, emit(endEvent(m)))
    case 'refreshFailed': {
      const { error, retryAt, rejected } = message
      m.backoff = { ...m.backoff, failures: message.failures, retryAt, error }
      // A tab that checked its expiry before this failure was written must still learn of it.
      if (message.sent) effects.push(broadcast, emit({ type: 'refreshFailed', error, retryInMs: retryAt - now }))
      // The caller is left without a usable token: the snapshot says so at once. The session is kept.
      const session = record.session
      if (session && !unexpired(session.tokens, now, rejected)) m.state = { status: 'outage', user: session.user, error }
      return
    }
    case 'refreshStarted':
      m.backoff = { ...m.backoff, wokeAt: undefined }
      return
    case 'askedInBackoff':
      return outage(m, now)
    case 'pending':
      if (state.status !== 'signedIn' || record.session?.tokens !== message.tokens) return
      m.state = { status: 'outage', user: state.user, error: new AuthError('REFRESH_PENDING', "The access token expired; a refresh is under way (this tab's, or another tab's that holds the lock).") }
      m.pendingBy = message.by
      return
    case 'pendingEnded':
      if (m.pendingBy !== message.by) return
      m.pendingBy = undefined
      // After a lock wait that timed out the caller waits again: REFRESH_PENDING stays.
      if (isPending(state) && !message.lockTimedOut) m.state = stateFor(record, state)
      return
    case 'woke':
      m.backoff = { ...m.backoff, retryAt: 0, wokeAt: now }
      // Back from the server's page via the back/forward cache: the redirect did not happen.
      if (state.status === 'redirecting') adopt(m, record)
      return
    case 'callback':
      return callback(m, effects, message.outcome)
    case 'redirecting':
      m.state = { status: 'redirecting' }
      return
    case 'failed':
    case 'loginLoop':
      m.state = { status: message.type === 'failed' ? 'error' : 'signedOut', error: message.error }
      return
    case 'restore':
      if (state.status === 'redirecting') m.state = message.state
      return
    case 'reloginLoop':
      effects.push({ type: 'warn', error: message.error })
      if (state.status === 'reloginRequired' && state.error.code !== 'RELOGIN_LOOP') m.state = { ...state, error: message.error }
      return
    case 'loggedOut':
      if (message.result.error) effects.push({ type: 'warn', error: message.result.error })
      effects.push(emit({ type: 'logout', result: message.result }))
      if (!message.endSessionUrl) return
      m.state = { status: 'redirecting' }
      return void effects.push({ type: 'navigate', url: message.endSessionUrl })
    case 'listening':
      m.listening = message.listening
      return
  }
}

/** Takes `record` as this tab's session unless it is older than what the tab has; a session ends any backoff. */
function adopt(m: Model, record: SessionRecord, error?: AuthError): void {
  if (record.generation < m.record.generation) return
  if (record.session) m.backoff = { ...noBackoff, wokeAt: m.backoff.wokeAt }
  m.record = record
  m.state = stateFor(record, m.state, error)
}

/** A newer generation another tab wrote: adopted, with the event that says what it was. */
function seen(m: Model, effects: Effect[], record: SessionRecord): void {
  if (record.generation <= m.record.generation) return
  adopt(m, record)
  effects.push(emit(record.session ? { type: 'adopted', generation: record.generation } : endEvent(m)))
}

/** How the session in `m.record` ended, as the event every tab emits. */
function endEvent({ state, record }: Model): AuthEvent {
  const { generation } = record
  if (state.status === 'reloginRequired') return { type: 'reloginRequired', generation, error: state.error }
  if (state.status === 'error') return { type: 'misconfigured', generation, error: state.error }
  return { type: 'signedOut', generation }
}

/** The token expired while the refresh is failing: no tab says signedIn as if all were well (the session is kept). */
function outage(m: Model, now: number): void {
  const { state, record, backoff } = m
  const session = record.session
  if ((state.status === 'signedIn' || isPending(state)) && session && backoff.error && !unexpired(session.tokens, now)) m.state = { status: 'outage', user: session.user, error: backoff.error }
}

function callback(m: Model, effects: Effect[], outcome: CallbackOutcome): void {
  if (outcome.kind === 'ignored') {
    // A replayed callback with a live session stays signed in and says nothing.
    if (outcome.record.session) return adopt(m, outcome.record)
    m.record = outcome.record
    m.state = { status: 'signedOut', error: outcome.error }
  } else if (outcome.kind === 'failed') {
    m.state = outcome.state
    effects.push({ type: 'warn', error: outcome.error })
  } else {
    adopt(m, outcome.record)
    effects.push(broadcast, emit({ type: 'signedIn', generation: outcome.record.generation }), outcome.popup ? { type: 'close' } : { type: 'returnTo', path: outcome.returnTo })
  }
}
