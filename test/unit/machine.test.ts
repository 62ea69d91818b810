// The tab's state machine as tables: message in, model and effects out; and the wake-up derived from a model. No fakes.
import { describe, expect, it } from 'vitest'
import { AuthError, LoginRequiredError, type AuthState } from '../../src'
import type { CallbackOutcome } from '../../src/core/callback'
import { initialModel, transition, wakeAt, type Effect, type Message, type Model } from '../../src/core/machine'
import { emptyRecord, type RetrySchedule, type SessionRecord, type TokenSet } from '../../src/core/store'

const NOW = 1_000_000
const SKEW = 30_000
const tokens = (expiresAt: number): TokenSet => ({ accessToken: `at-${expiresAt}`, tokenType: 'Bearer', refreshToken: 'rt', issuedAt: expiresAt - 300_000, expiresAt })
const record = (generation: number, fields: Partial<SessionRecord> = {}): SessionRecord => ({ v: 1, generation, session: null, ...fields })
const live = (generation: number, expiresAt = NOW + 120_000) => record(generation, { session: { tokens: tokens(expiresAt), user: { sub: 'u1' } } })
const network = new AuthError('NETWORK', 'offline')
const schedule: RetrySchedule = { failures: 1, at: NOW, notBefore: NOW + 1000, error: { code: 'NETWORK', message: 'offline' } }
const pendingError = new AuthError('REFRESH_PENDING', 'pending')
const loginRequired = new LoginRequiredError('dead grant')
const config = new AuthError('CONFIG', 'invalid_client', { status: 401, error: 'invalid_client' })
const loopError = new AuthError('RELOGIN_LOOP', 'loop')

/** A model reached by messages, as a tab gets there. */
function reach(...messages: Message[]): Model {
  return messages.reduce((model, message) => transition(model, message, NOW)[0], initialModel({ status: 'loading' }, emptyRecord))
}
const loading = reach()
const signedIn = reach({ type: 'loaded', record: live(1) })
const expired = reach({ type: 'loaded', record: live(1, NOW - 1) })
const signedOut = reach({ type: 'loaded', record: record(1, { ended: 'signedOut' }) })
const redirecting = reach({ type: 'loaded', record: record(1, { ended: 'signedOut' }) }, { type: 'redirecting' })
const relogin = reach({ type: 'loaded', record: record(1, { ended: 'reloginRequired' }) })
const outage = reach({ type: 'loaded', record: live(1, NOW - 1) }, { type: 'refreshFailed', error: network, schedule, sent: true, ownDelayMs: 0 })
const pending = transition(expired, { type: 'pendingShown', by: 7, tokens: expired.record.session!.tokens, error: pendingError }, NOW)[0]
const misconfigured = reach({ type: 'loaded', record: record(1, { ended: 'reloginRequired', refusal: { code: 'CONFIG', status: 401, error: 'invalid_client' } }) })
const signedInOutcome: CallbackOutcome = { kind: 'signedIn', record: live(2), returnTo: '/notes', popup: false }

type Row = [name: string, from: Model, message: Message, state: Partial<AuthState> & { code?: string }, effects: Effect['type'][]]

const rows: Row[] = [
  ['loading → signedIn: the store holds a session', loading, { type: 'loaded', record: live(1) }, { status: 'signedIn', generation: 1 }, []],
  ['loading → signedOut: an empty store', loading, { type: 'loaded', record: emptyRecord }, { status: 'signedOut' }, []],
  [
    'loading → reloginRequired: the grant died in another tab',
    loading,
    { type: 'loaded', record: record(3, { ended: 'reloginRequired' }) },
    { status: 'reloginRequired', code: 'LOGIN_REQUIRED' },
    ['relogin'],
  ],
  [
    'loading → error (CONFIG): the client was rejected',
    loading,
    { type: 'loaded', record: record(3, { ended: 'reloginRequired', refusal: { code: 'CONFIG' } }) },
    { status: 'error', code: 'CONFIG' },
    [],
  ],
  ['loading → signedOut: no page (server render)', loading, { type: 'noPage' }, { status: 'signedOut' }, []],
  ['loading → error: start failed', loading, { type: 'startFailed', error: new AuthError('DISCOVERY_FAILED', 'x') }, { status: 'error', code: 'DISCOVERY_FAILED' }, []],
  ['loading → signedIn: the callback signed in', loading, { type: 'callbackDone', outcome: signedInOutcome }, { status: 'signedIn', generation: 2 }, ['broadcast', 'emit', 'returnTo']],
  [
    'loading → signedIn: a popup callback signed in and closes',
    loading,
    { type: 'callbackDone', outcome: { ...signedInOutcome, popup: true } },
    { status: 'signedIn' },
    ['broadcast', 'emit', 'closeWindow'],
  ],
  [
    'loading → signedOut: the user said no',
    loading,
    { type: 'callbackDone', outcome: { kind: 'failed', state: { status: 'signedOut', error: new AuthError('AUTHORIZATION_ERROR', 'no') }, error: new AuthError('AUTHORIZATION_ERROR', 'no') } },
    { status: 'signedOut', code: 'AUTHORIZATION_ERROR' },
    ['warn'],
  ],
  [
    'loading → error: the sign-in failed',
    loading,
    { type: 'callbackDone', outcome: { kind: 'failed', state: { status: 'error', error: new AuthError('STATE_MISMATCH', 'x') }, error: new AuthError('STATE_MISMATCH', 'x') } },
    { status: 'error', code: 'STATE_MISMATCH' },
    ['warn'],
  ],
  [
    'loading → signedOut: a replayed callback without a session',
    loading,
    { type: 'callbackDone', outcome: { kind: 'ignored', record: emptyRecord, error: new AuthError('TRANSACTION_MISSING', 'x') } },
    { status: 'signedOut', code: 'TRANSACTION_MISSING' },
    [],
  ],
  ['loading → signedIn: a replayed callback with a live session', loading, { type: 'callbackDone', outcome: { kind: 'ignored', record: live(4) } }, { status: 'signedIn', generation: 4 }, []],
  ['signedOut → redirecting: login()', signedOut, { type: 'redirecting' }, { status: 'redirecting' }, []],
  [
    'redirecting → error: the authorization request could not be made',
    redirecting,
    { type: 'signInFailed', error: new AuthError('DISCOVERY_FAILED', 'x') },
    { status: 'error', code: 'DISCOVERY_FAILED' },
    [],
  ],
  ['redirecting → signedOut: the popup closed without a session', redirecting, { type: 'popupClosed', before: { status: 'signedOut' }, timedOut: false }, { status: 'signedOut' }, ['emit']],
  ['redirecting → signedOut: back from the server via the back/forward cache', redirecting, { type: 'woke' }, { status: 'signedOut' }, []],
  ['signedOut → signedOut with RELOGIN_LOOP: the route guard was refused', signedOut, { type: 'autoLoginLoop', error: loopError }, { status: 'signedOut', code: 'RELOGIN_LOOP' }, []],
  ['signedIn → signedIn: refreshed', signedIn, { type: 'refreshed', record: live(2) }, { status: 'signedIn', generation: 2 }, ['broadcast', 'emit']],
  ['signedIn → signedIn: another tab refreshed', signedIn, { type: 'recordRead', record: live(2) }, { status: 'signedIn', generation: 2 }, ['emit']],
  ['signedIn stays: an older record is never adopted', reach({ type: 'loaded', record: live(5) }), { type: 'recordRead', record: live(4) }, { status: 'signedIn', generation: 5 }, []],
  ['signedIn stays: adopting what the channel already brought says nothing again', signedIn, { type: 'adopted', record: live(1) }, { status: 'signedIn', generation: 1 }, []],
  ['signedIn → signedOut: another tab signed out', signedIn, { type: 'recordRead', record: record(2, { ended: 'signedOut' }) }, { status: 'signedOut' }, ['emit']],
  [
    'signedIn → reloginRequired: another tab met a dead grant',
    signedIn,
    { type: 'recordRead', record: record(2, { ended: 'reloginRequired' }) },
    { status: 'reloginRequired', user: { sub: 'u1' } },
    ['relogin', 'emit'],
  ],
  [
    'signedIn → reloginRequired: this tab met a dead grant',
    signedIn,
    { type: 'grantDied', record: record(2, { ended: 'reloginRequired' }), error: loginRequired, cause: new AuthError('INVALID_GRANT', 'x') },
    { status: 'reloginRequired', code: 'LOGIN_REQUIRED' },
    ['relogin', 'warn', 'broadcast', 'emit'],
  ],
  [
    'signedIn → error (CONFIG): the server rejected the client',
    signedIn,
    { type: 'clientRejected', record: record(2, { ended: 'reloginRequired', refusal: { code: 'CONFIG' } }), error: config },
    { status: 'error', code: 'CONFIG' },
    ['warn', 'broadcast', 'emit'],
  ],
  [
    'signedIn stays: a refresh failed while the token is unexpired',
    signedIn,
    { type: 'refreshFailed', error: network, schedule, sent: true, ownDelayMs: 0 },
    { status: 'signedIn' },
    ['broadcast', 'emit'],
  ],
  [
    'signedIn → error (outage): a refresh failed after expiry, session kept',
    expired,
    { type: 'refreshFailed', error: network, schedule, sent: true, ownDelayMs: 0 },
    { status: 'error', code: 'NETWORK' },
    ['broadcast', 'emit'],
  ],
  [
    'signedIn → error (outage): the lock wait timed out after expiry; nothing to tell',
    expired,
    { type: 'refreshFailed', error: new AuthError('TIMEOUT', 'x'), sent: false, ownDelayMs: 500 },
    { status: 'error', code: 'TIMEOUT' },
    [],
  ],
  [
    'signedIn → error (outage): another tab wrote the shared schedule',
    expired,
    { type: 'settledRead', record: { ...live(1, NOW - 1), retry: schedule }, scheduled: network },
    { status: 'error', code: 'NETWORK' },
    [],
  ],
  ['signedIn → signedIn: the settled record is newer', expired, { type: 'settledRead', record: live(2) }, { status: 'signedIn', generation: 2 }, ['emit']],
  [
    'signedIn → error (REFRESH_PENDING): the refresh runs past expiry',
    expired,
    { type: 'pendingShown', by: 1, tokens: expired.record.session!.tokens, error: pendingError },
    { status: 'error', code: 'REFRESH_PENDING' },
    [],
  ],
  ['signedIn stays: REFRESH_PENDING for tokens already replaced', expired, { type: 'pendingShown', by: 1, tokens: tokens(NOW - 1), error: pendingError }, { status: 'signedIn' }, []],
  ['error (REFRESH_PENDING) → signedIn: the wait ended', pending, { type: 'pendingEnded', by: 7, lockTimedOut: false }, { status: 'signedIn' }, []],
  ['error (REFRESH_PENDING) stays: the lock wait timed out, the caller waits again', pending, { type: 'pendingEnded', by: 7, lockTimedOut: true }, { status: 'error', code: 'REFRESH_PENDING' }, []],
  ['error (REFRESH_PENDING) stays: another wait ended', pending, { type: 'pendingEnded', by: 8, lockTimedOut: false }, { status: 'error', code: 'REFRESH_PENDING' }, []],
  [
    'error (REFRESH_PENDING) → error (outage): the refresh failed',
    pending,
    { type: 'refreshFailed', error: network, schedule, sent: true, ownDelayMs: 0 },
    { status: 'error', code: 'NETWORK' },
    ['broadcast', 'emit'],
  ],
  ['error (outage) → signedIn: the refresh finally worked', outage, { type: 'refreshed', record: live(2) }, { status: 'signedIn', generation: 2 }, ['broadcast', 'emit']],
  ['error (outage) → signedIn: another tab refreshed', outage, { type: 'recordRead', record: live(2) }, { status: 'signedIn', generation: 2 }, ['emit']],
  ['error (CONFIG) → signedIn: a new sign-in in another tab', misconfigured, { type: 'recordRead', record: live(2) }, { status: 'signedIn' }, ['emit']],
  ['reloginRequired → signedIn: the re-login arrived', relogin, { type: 'recordRead', record: live(2) }, { status: 'signedIn' }, ['emit']],
  ['reloginRequired → RELOGIN_LOOP: the automatic re-login was refused', relogin, { type: 'reloginLoop', error: loopError }, { status: 'reloginRequired', code: 'RELOGIN_LOOP' }, ['warn']],
  ['reloginRequired stays: after a wake-up, the automatic re-login may go', relogin, { type: 'awake' }, { status: 'reloginRequired' }, ['relogin']],
  ['signedIn → signedOut: logout()', signedIn, { type: 'signedOut', record: record(2, { ended: 'signedOut' }) }, { status: 'signedOut' }, ['broadcast', 'emit']],
  [
    'signedOut → redirecting: logout() goes to the end-session endpoint',
    signedOut,
    { type: 'loggedOut', result: { revocation: 'revoked', endSession: 'redirecting' }, endSessionUrl: 'https://id.example/end' },
    { status: 'redirecting' },
    ['emit', 'navigate'],
  ],
  [
    'signedOut stays: logout() with nowhere to go, its failure told',
    signedOut,
    { type: 'loggedOut', result: { revocation: 'failed', endSession: 'local_only', error: network } },
    { status: 'signedOut' },
    ['warn', 'emit'],
  ],
  ['loading stays: a broken channel message is reported', loading, { type: 'channelMessageIgnored', message: 42 }, { status: 'loading' }, ['emit']],
]

describe('transition', () => {
  it.each(rows)('%s', (_name, from, message, expected, effects) => {
    const [next, out] = transition(from, message, NOW)
    const { code, ...state } = expected
    expect(next.state).toMatchObject(state)
    if (code) expect(next.state).toMatchObject({ error: { code } })
    expect(out.map((effect) => effect.type)).toEqual(effects)
  })

  it('covers every status change the snapshot can make', () => {
    const label = (state: AuthState) => (state.status === 'error' ? `error:${state.error.code}` : state.status)
    const changes = new Set(rows.map(([, from, message]) => `${from.state.status}→${transition(from, message, NOW)[0].state.status}`))
    const statuses = ['loading', 'signedOut', 'redirecting', 'signedIn', 'reloginRequired', 'error']
    // Every status is reached, and every status is left.
    for (const status of statuses) expect([...changes].some((change) => change.endsWith(`→${status}`))).toBe(true)
    for (const status of statuses.filter((s) => s !== 'loading')) expect([...changes].some((change) => change.startsWith(`${status}→`) && !change.endsWith(`→${status}`))).toBe(true)
    expect(label(outage.state)).toBe('error:NETWORK')
  })

  it('keeps the same snapshot object when nothing shown changed', () => {
    const [next] = transition(signedIn, { type: 'loaded', record: live(1) }, NOW)
    expect(next.state).toBe(signedIn.state)
  })

  it('a failure follows the shared schedule, or backs off alone without one; a new session ends the backoff', () => {
    expect(outage.backoff).toMatchObject({ failures: 1, retryAt: NOW + 1000, lastFailure: network })
    const timeout = new AuthError('TIMEOUT', 'x')
    const [alone] = transition(outage, { type: 'refreshFailed', error: timeout, sent: false, ownDelayMs: 2000 }, NOW)
    expect(alone.backoff).toMatchObject({ failures: 2, retryAt: NOW + 2000, lastFailure: timeout })
    expect(transition(alone, { type: 'recordRead', record: live(2) }, NOW)[0].backoff).toEqual({ failures: 0, retryAt: 0 })
  })

  it('is pure: the model it was given is unchanged', () => {
    const before = structuredClone({ ...signedIn, state: { ...signedIn.state } })
    transition(signedIn, { type: 'grantDied', record: record(2, { ended: 'reloginRequired' }), error: loginRequired, cause: loginRequired }, NOW)
    expect({ ...signedIn, state: { ...signedIn.state } }).toEqual(before)
  })
})

describe('wakeAt', () => {
  const env = { online: true, visible: true, skewMs: SKEW, now: NOW }
  const listening = (model: Model): Model => ({ ...model, listening: true })
  const expiresAt = NOW + 120_000
  it.each<[string, Model, Partial<typeof env>, number]>([
    ['nothing listens: never', signedIn, {}, Infinity],
    ['visible, signed in: ahead of expiry by the skew', listening(signedIn), {}, expiresAt - SKEW],
    ['hidden, signed in: at expiry (it only re-reads the store)', listening(signedIn), { visible: false }, expiresAt],
    ['signed out: never', listening(signedOut), {}, Infinity],
    ['reloginRequired: never', listening(relogin), {}, Infinity],
    ['a failed sign-in (error, no session kept): never', listening(reach({ type: 'startFailed', error: new AuthError('DISCOVERY_FAILED', 'x') })), {}, Infinity],
    ['the client rejected (CONFIG): never', listening(misconfigured), {}, Infinity],
    ['outage, visible: at the shared retry time', listening(outage), {}, NOW + 1000],
    ['outage, offline: never (the online wake-up retries)', listening(outage), { online: false }, Infinity],
    ['outage, hidden: at the retry time', listening(outage), { visible: false }, NOW + 1000],
    ['REFRESH_PENDING keeps the session: at once (its refresh time is past)', listening(pending), {}, NOW - 1 - SKEW],
    ['hidden, expired, no backoff: never (a wake-up or another tab tells it)', listening(expired), { visible: false }, Infinity],
    [
      'backing off, token still valid: at the retry time, or at expiry if sooner',
      listening(transition(signedIn, { type: 'refreshFailed', error: network, schedule: { ...schedule, notBefore: NOW + 500_000 }, sent: true, ownDelayMs: 0 }, NOW)[0]),
      {},
      expiresAt,
    ],
  ])('%s', (_name, model, facts, at) => {
    expect(wakeAt(model, { ...env, ...facts })).toBe(at)
  })
})
