// The tab's session as a state machine (src/core/machine.ts): message in, model and effects out, for
// every status change; and the one wake-up a tab computes from its model (src/core/timing.ts).
import { describe, expect, it } from 'vitest'
import { AuthError, LoginRequiredError, type AuthState, type LogoutResult, type SessionRecord } from '../../src'
import { noBackoff } from '../../src/core/backoff'
import type { CallbackOutcome } from '../../src/core/callback'
import { initialModel, transition, type Effect, type Message, type Model } from '../../src/core/machine'
import { nextWakeAt, type WakeFacts } from '../../src/core/timing'

const NOW = 1_000_000
const user = { sub: 'alice', name: 'Alice Example' }

/** A record holding a session whose token expires at `expiresAt` (lifetime 300 s). */
function session(generation: number, expiresAt = NOW + 300_000, accessToken = `at-${generation}`): SessionRecord {
  return { v: 1, generation, session: { tokens: { accessToken, tokenType: 'bearer', refreshToken: 'rt', expiresAt, issuedAt: expiresAt - 300_000 }, user } }
}
const ended = (generation: number, how: 'signedOut' | 'reloginRequired', reasons?: SessionRecord['reasons']): SessionRecord => ({
  v: 1,
  generation,
  session: null,
  ended: how,
  ...(reasons ? { reasons } : {}),
})
const empty: SessionRecord = { v: 1, generation: 0, session: null }

const signedIn = (record: SessionRecord): AuthState => ({
  status: 'signedIn',
  user,
  accessToken: record.session!.tokens.accessToken,
  expiresAt: record.session!.tokens.expiresAt,
  generation: record.generation,
})
const model = (state: AuthState, record: SessionRecord, more: Partial<Model> = {}): Model => ({ ...initialModel(state, record), ...more })

const g1 = session(1)
const g1Expired = session(1, NOW - 1)
const failure = new AuthError('NETWORK', 'offline')
const dead = new LoginRequiredError('The refresh token was rejected.', { reasons: ['refresh_token_revoked_or_expired'] })
const serverSaid = new AuthError('INVALID_GRANT', 'invalid_grant', { error: 'invalid_grant' })
const loop = new AuthError('RELOGIN_LOOP', 'loop')
const pendingState: AuthState = { status: 'outage', user, error: new AuthError('REFRESH_PENDING', 'pending') }
const result: LogoutResult = { revocation: 'revoked', revoked: ['refresh_token', 'access_token'], endSession: 'redirecting' }
const outcome = (o: CallbackOutcome) => ({ type: 'callback', outcome: o }) as const

/** What an effect list says, in short: `emit adopted 2`, `broadcast`, `warn INVALID_GRANT`, ... */
function effects(list: Effect[]): string[] {
  return list.map((e) => {
    if (e.type === 'emit') return ['emit', e.event.type, 'generation' in e.event ? e.event.generation : '', 'error' in e.event ? e.event.error.code : ''].filter((part) => part !== '').join(' ')
    if (e.type === 'warn') return `warn ${e.error.code}`
    if (e.type === 'navigate') return `navigate ${e.url}`
    if (e.type === 'returnTo') return `returnTo ${e.path}`
    return e.type
  })
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

type Row = [name: string, before: Model, message: Message, after: Partial<AuthState>, effects: string[]]

// prettier-ignore
const rows: Row[] = [
  // loading: the store's read, or no page
  ['loading → signedIn: the store holds a session', model({ status: 'loading' }, empty), { type: 'loaded', record: g1 }, signedIn(g1), []],
  ['loading → signedOut: nothing stored (or no page)', model({ status: 'loading' }, empty), { type: 'loaded', record: empty }, { status: 'signedOut' }, []],
  ['loading → reloginRequired: an ended grant, with the automatic re-login asked', model({ status: 'loading' }, empty), { type: 'loaded', record: ended(3, 'reloginRequired') }, { status: 'reloginRequired', error: expect.objectContaining({ code: 'LOGIN_REQUIRED' }) }, ['relogin']],
  ['loading → error: a rejected client', model({ status: 'loading' }, empty), { type: 'loaded', record: ended(3, 'reloginRequired', ['client_rejected']) }, { status: 'error', error: expect.objectContaining({ code: 'CONFIG', reason: 'client_rejected' }) }, []],
  ['loading → error: the start failed', model({ status: 'loading' }, empty), { type: 'failed', error: new AuthError('DISCOVERY_FAILED', 'x') }, { status: 'error', error: expect.objectContaining({ code: 'DISCOVERY_FAILED' }) }, []],
  // the sign-in callback
  ['loading → signedIn: the callback signed in', model({ status: 'loading' }, empty), outcome({ kind: 'signedIn', record: g1, returnTo: '/notes', popup: false }), signedIn(g1), ['broadcast', 'emit signedIn 1', 'returnTo /notes']],
  ['loading → signedIn: a popup callback closes its window', model({ status: 'loading' }, empty), outcome({ kind: 'signedIn', record: g1, returnTo: '/', popup: true }), signedIn(g1), ['broadcast', 'emit signedIn 1', 'close']],
  ['loading → signedIn: a replayed callback with a live session says nothing', model({ status: 'loading' }, empty), outcome({ kind: 'ignored', record: g1 }), signedIn(g1), []],
  ['loading → signedOut: a replayed callback without a session, with why', model({ status: 'loading' }, empty), outcome({ kind: 'ignored', record: empty, error: new AuthError('TRANSACTION_MISSING', 'x') }), { status: 'signedOut', error: expect.objectContaining({ code: 'TRANSACTION_MISSING' }) }, []],
  ['loading → error: the exchange failed', model({ status: 'loading' }, empty), outcome({ kind: 'failed', state: { status: 'error', error: serverSaid }, error: serverSaid }), { status: 'error', error: serverSaid }, ['warn INVALID_GRANT']],
  ['loading → signedOut: the user said no', model({ status: 'loading' }, empty), outcome({ kind: 'failed', state: { status: 'signedOut', error: new AuthError('AUTHORIZATION_ERROR', 'access_denied') }, error: new AuthError('AUTHORIZATION_ERROR', 'access_denied') }), { status: 'signedOut', error: expect.objectContaining({ code: 'AUTHORIZATION_ERROR' }) }, ['warn AUTHORIZATION_ERROR']],
  // another tab's write
  ['signedIn → signedIn: a newer generation adopted', model(signedIn(g1), g1), { type: 'seen', record: session(2) }, signedIn(session(2)), ['emit adopted 2']],
  ['signedIn: the same generation again changes nothing', model(signedIn(g1), g1), { type: 'seen', record: session(1) }, signedIn(g1), []],
  ['signedIn: an older generation is never taken', model(signedIn(session(2)), session(2)), { type: 'loaded', record: g1 }, signedIn(session(2)), []],
  ['signedIn → signedOut: signed out in another tab', model(signedIn(g1), g1), { type: 'seen', record: ended(2, 'signedOut') }, { status: 'signedOut' }, ['emit signedOut 2']],
  ['signedIn → reloginRequired: the grant died in another tab, the user kept', model(signedIn(g1), g1), { type: 'seen', record: ended(2, 'reloginRequired') }, { status: 'reloginRequired', user }, ['relogin', 'emit reloginRequired 2 LOGIN_REQUIRED']],
  ['signedIn → error: the client was rejected in another tab', model(signedIn(g1), g1), { type: 'seen', record: ended(2, 'reloginRequired', ['client_rejected']) }, { status: 'error' }, ['emit misconfigured 2 CONFIG']],
  ['reloginRequired → signedIn: another tab signed in again', model({ status: 'reloginRequired', user, error: dead }, ended(2, 'reloginRequired')), { type: 'seen', record: session(3) }, signedIn(session(3)), ['emit adopted 3']],
  // this tab's refresh
  ['signedIn → signedIn: refreshed, told to every tab', model(signedIn(g1), g1), { type: 'refreshed', record: session(2) }, signedIn(session(2)), ['broadcast', 'emit refreshed 2']],
  ['signedIn → signedIn: found another tab\'s newer result', model(signedIn(g1), g1), { type: 'adopted', record: session(2) }, signedIn(session(2)), ['emit adopted 2']],
  ['signedIn: found the result the channel brought first, no second event', model(signedIn(session(2)), session(2)), { type: 'adopted', record: session(2) }, signedIn(session(2)), []],
  ['signedIn → reloginRequired: the grant died here', model(signedIn(g1), g1), { type: 'ended', record: ended(2, 'reloginRequired'), error: dead, cause: serverSaid }, { status: 'reloginRequired', user, error: dead }, ['relogin', 'warn INVALID_GRANT', 'broadcast', 'emit reloginRequired 2 LOGIN_REQUIRED']],
  ['signedIn → error: the server rejected the client here', model(signedIn(g1), g1), { type: 'ended', record: ended(2, 'reloginRequired', ['client_rejected']), error: new AuthError('CONFIG', 'x'), cause: new AuthError('CONFIG', 'x') }, { status: 'error', error: expect.objectContaining({ code: 'CONFIG' }) }, ['warn CONFIG', 'broadcast', 'emit misconfigured 2 CONFIG']],
  ['signedIn: a failure with the token still valid keeps signedIn', model(signedIn(g1), g1), { type: 'refreshFailed', error: failure, failures: 1, retryAt: NOW + 1000, sent: true }, signedIn(g1), ['broadcast', 'emit refreshFailed NETWORK']],
  ['signedIn → outage: a failure past expiry', model(signedIn(g1Expired), g1Expired), { type: 'refreshFailed', error: failure, failures: 1, retryAt: NOW + 1000, sent: true }, { status: 'outage', user, error: failure }, ['broadcast', 'emit refreshFailed NETWORK']],
  ['signedIn → outage: a failure after the server refused this very token (401)', model(signedIn(g1), g1), { type: 'refreshFailed', error: failure, failures: 1, retryAt: NOW + 1000, rejected: 'at-1' }, { status: 'outage', error: failure }, []],
  ['reloginRequired: a late failure keeps the ending', model({ status: 'reloginRequired', user, error: dead }, ended(2, 'reloginRequired')), { type: 'refreshFailed', error: failure, failures: 1, retryAt: NOW + 1000 }, { status: 'reloginRequired' }, []],
  ['signedIn → outage: asked during the backoff, past expiry', model(signedIn(g1Expired), g1Expired, { backoff: { failures: 1, retryAt: NOW + 1000, error: failure } }), { type: 'askedInBackoff' }, { status: 'outage', error: failure }, []],
  ['signedIn: asked during the backoff with the token valid', model(signedIn(g1), g1, { backoff: { failures: 1, retryAt: NOW + 1000, error: failure } }), { type: 'askedInBackoff' }, signedIn(g1), []],
  // REFRESH_PENDING
  ['signedIn → outage: a refresh runs past expiry', model(signedIn(g1Expired), g1Expired), { type: 'pending', by: 1, tokens: g1Expired.session!.tokens }, { status: 'outage', user, error: expect.objectContaining({ code: 'REFRESH_PENDING' }) }, []],
  ['signedIn: a wait for tokens the tab no longer holds shows nothing', model(signedIn(session(2)), session(2)), { type: 'pending', by: 1, tokens: g1.session!.tokens }, signedIn(session(2)), []],
  ['outage → signedIn: the wait that showed REFRESH_PENDING ended', model(pendingState, g1, { pendingBy: 1 }), { type: 'pendingEnded', by: 1, lockTimedOut: false }, signedIn(g1), []],
  ['outage: the lock wait timed out, the caller waits again', model(pendingState, g1, { pendingBy: 1 }), { type: 'pendingEnded', by: 1, lockTimedOut: true }, pendingState, []],
  ['outage: another wait ended, not the one shown', model(pendingState, g1, { pendingBy: 2 }), { type: 'pendingEnded', by: 1, lockTimedOut: false }, pendingState, []],
  ['outage → signedIn: the holder let go without a word', model(pendingState, g1), { type: 'settled', record: g1 }, signedIn(g1), []],
  ['signedIn → outage: the settled record tells of another tab\'s failure', model(signedIn(g1Expired), g1Expired), { type: 'settled', record: { ...g1Expired, retry: { failures: 2, at: NOW - 10, notBefore: NOW + 2000, error: { code: 'SERVER_ERROR', message: '503', status: 503 } } } }, { status: 'outage', error: expect.objectContaining({ code: 'SERVER_ERROR' }) }, []],
  ['signedIn → signedIn: the settled record is newer', model(signedIn(g1), g1), { type: 'settled', record: session(2) }, signedIn(session(2)), ['emit adopted 2']],
  // sign-in and sign-out
  ['signedOut → redirecting', model({ status: 'signedOut' }, empty), { type: 'redirecting' }, { status: 'redirecting' }, []],
  ['error → redirecting: the user tries the sign-in again', model({ status: 'error', error: serverSaid }, empty), { type: 'redirecting' }, { status: 'redirecting' }, []],
  ['redirecting → signedOut: back via the back/forward cache', model({ status: 'redirecting' }, empty), { type: 'woke' }, { status: 'signedOut' }, []],
  ['redirecting → reloginRequired: the popup closed without a session', model({ status: 'redirecting' }, ended(2, 'reloginRequired')), { type: 'restore', state: { status: 'reloginRequired', user, error: dead } }, { status: 'reloginRequired' }, ['relogin']],
  ['signedIn: a popup\'s restore after a session arrived changes nothing', model(signedIn(g1), g1), { type: 'restore', state: { status: 'signedOut' } }, signedIn(g1), []],
  ['redirecting → error: the sign-in could not start', model({ status: 'redirecting' }, empty), { type: 'failed', error: new AuthError('DISCOVERY_FAILED', 'x') }, { status: 'error' }, []],
  ['signedOut → signedOut with RELOGIN_LOOP: the guard\'s login refused', model({ status: 'signedOut' }, empty), { type: 'loginLoop', error: loop }, { status: 'signedOut', error: loop }, []],
  ['reloginRequired → reloginRequired with RELOGIN_LOOP: the automatic re-login refused', model({ status: 'reloginRequired', user, error: dead }, ended(2, 'reloginRequired')), { type: 'reloginLoop', error: loop }, { status: 'reloginRequired', error: loop }, ['warn RELOGIN_LOOP']],
  ['signedIn → signedOut: logout() ended the session', model(signedIn(g1), g1), { type: 'signedOut', record: ended(2, 'signedOut') }, { status: 'signedOut' }, ['broadcast', 'emit signedOut 2']],
  ['signedOut → redirecting: on to the end-session endpoint', model({ status: 'signedOut' }, ended(2, 'signedOut')), { type: 'loggedOut', result, endSessionUrl: 'https://id/end' }, { status: 'redirecting' }, ['emit logout', 'navigate https://id/end']],
  ['signedOut: a refused revocation is reported, nothing else', model({ status: 'signedOut' }, ended(2, 'signedOut')), { type: 'loggedOut', result: { ...result, revocation: 'refused', endSession: 'local_only', error: new AuthError('REFUSED', 'x') } }, { status: 'signedOut' }, ['warn REFUSED', 'emit logout']],
]

describe('transition: message in, model and effects out', () => {
  it.each(rows)('%s', (_, before, message, after, expected) => {
    // Pure: the model it is given is frozen, so any change to it throws.
    const [next, out] = transition(deepFreeze(before), message, NOW)
    expect(next.state).toEqual(expect.objectContaining(after))
    expect(effects(out)).toEqual(expected)
  })

  it('covers every status, entered and left (loading is only ever the first)', () => {
    const all: Array<AuthState['status']> = ['loading', 'signedOut', 'redirecting', 'signedIn', 'outage', 'reloginRequired', 'error']
    const moves = rows.map(([, before, message]) => [before.state.status, transition(before, message, NOW)[0].state.status])
    expect(all.filter((status) => status !== 'loading' && !moves.some(([from, to]) => to === status && from !== status))).toEqual([])
    expect(all.filter((status) => !moves.some(([from, to]) => from === status && to !== status))).toEqual([])
  })

  it('keeps the backoff in the model: a failure sets it, a woken tab may try once, a new session ends it', () => {
    const [failed] = transition(model(signedIn(g1), g1), { type: 'refreshFailed', error: failure, failures: 3, retryAt: NOW + 4000, sent: true }, NOW)
    expect(failed.backoff).toEqual({ failures: 3, retryAt: NOW + 4000, error: failure })
    const [woke] = transition(failed, { type: 'woke' }, NOW + 10)
    expect(woke.backoff).toEqual({ failures: 3, retryAt: 0, error: failure, wokeAt: NOW + 10 })
    const [started] = transition(woke, { type: 'refreshStarted' }, NOW + 20)
    expect(started.backoff.wokeAt).toBeUndefined()
    const [refreshed] = transition(started, { type: 'refreshed', record: session(2) }, NOW + 30)
    expect(refreshed.backoff).toEqual(noBackoff)
  })

  it('records whether anything listens', () => {
    expect(transition(model(signedIn(g1), g1), { type: 'listening', listening: true }, NOW)[0].listening).toBe(true)
  })
})

describe('nextWakeAt: the one timer a tab keeps', () => {
  const tokens = g1.session!.tokens // expires at NOW + 300 s, refreshed 30 s before
  const facts = (more: Partial<WakeFacts>): WakeFacts => ({ listening: true, tokens, retryAt: 0, online: true, visible: true, skewMs: 30_000, now: NOW, ...more })
  // prettier-ignore
  const wakeRows: Array<[string, Partial<WakeFacts>, number]> = [
    ['nothing renders the session: no timer', { listening: false }, Infinity],
    ['no session kept: no timer', { tokens: undefined }, Infinity],
    ['visible: ahead of expiry by the skew', {}, NOW + 270_000],
    ['visible, a short token: ahead by a quarter of its lifetime', { tokens: { ...tokens, issuedAt: NOW, expiresAt: NOW + 4000 } }, NOW + 3000],
    ['hidden: at expiry only, to tell the truth', { visible: false }, NOW + 300_000],
    ['hidden, expired, no backoff: nothing to wait for', { visible: false, tokens: g1Expired.session!.tokens }, Infinity],
    ['hidden, expired, in a backoff: its end', { visible: false, tokens: g1Expired.session!.tokens, retryAt: NOW + 5000 }, NOW + 5000],
    ['visible, in a backoff ending after the refresh time: the backoff', { retryAt: NOW + 280_000 }, NOW + 280_000],
    ['visible, in a backoff ending after expiry: at expiry first', { retryAt: NOW + 400_000 }, NOW + 300_000],
    ['offline in a backoff: the online wake-up retries', { retryAt: NOW + 5000, online: false }, Infinity],
    ['visible, expired, backoff over: now', { tokens: g1Expired.session!.tokens, retryAt: NOW - 1 }, NOW - 1 - 0],
    ['a token that never expires: no timer', { tokens: { ...tokens, expiresAt: undefined } }, Infinity],
  ]
  it.each(wakeRows)('%s', (_, more, at) => {
    const got = nextWakeAt(facts(more))
    if (at === NOW - 1)
      expect(got).toBeLessThanOrEqual(NOW) // due already
    else expect(got).toBe(at)
  })
})
