// During a deploy, tabs of the previous release and of this one share one session: the record (v1,
// its generation rule), the channel message, the lock and the storage names must mean the same to
// both. The previous release's reader is kept as it shipped (fixtures/previous-release, from baeffc3).
import { describe, expect, it } from 'vitest'
import type { AuthEvent, SessionRecord } from '../../src'
import { CHANNEL_NAME, parseMessage } from '../../src/core/channel'
import { parseRecord } from '../../src/core/store'
import { parseRecord as previousParseRecord } from './fixtures/previous-release/store'
import { parseMessage as previousParseMessage, sessionMessage as previousSessionMessage, CHANNEL_NAME as PREVIOUS_CHANNEL_NAME } from './fixtures/previous-release/channel'
import { CLIENT_ID, ISSUER, oauthError, signIn, tabs } from './fakes'

const KEY = `${ISSUER} ${CLIENT_ID}`
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** Records as the previous release wrote them (its nextRecord, recordFailure, claimRelogin and endSession). */
function previousRecords(now: number, refreshToken: string) {
  const tokens = { accessToken: 'old-at', tokenType: 'Bearer', refreshToken, idToken: 'old-id', issuedAt: now - 1000, expiresAt: now + 299_000, scope: 'openid profile offline_access' }
  const session = { tokens, user: { sub: 'alice', name: 'Alice' } }
  return {
    signedIn: { v: 1, generation: 7, session, reloginClaimedAt: now - 120_000 },
    backingOff: {
      v: 1,
      generation: 7,
      session,
      reloginClaimedAt: now - 120_000,
      retry: { failures: 4, at: now, notBefore: now + 400_000, error: { code: 'SERVER_ERROR', message: 'HTTP 503', status: 503 } },
    },
    reloginRequired: { v: 1, generation: 8, session: null, ended: 'reloginRequired', reasons: ['refresh_token_reused'] },
    signedOut: { v: 1, generation: 9, session: null, ended: 'signedOut' },
  }
}

describe('the previous release and this one share a session', () => {
  it('names: the channel, the lock, the store key are unchanged', () => {
    expect(CHANNEL_NAME).toBe(PREVIOUS_CHANNEL_NAME)
    expect(KEY).toBe('https://id.example.test spa') // the store key and `tabauth:${key}`, the lock name
  })

  it("this release reads the previous release's records and honours them", async () => {
    const env = tabs({ expiresIn: 300 })
    await signIn(env, env.open()) // a real refresh token at the fake server
    const refreshToken = ((await env.store.get(KEY)) as SessionRecord).session!.tokens.refreshToken!
    const old = previousRecords(env.clock.now(), refreshToken)
    for (const [name, record] of Object.entries(old)) expect(parseRecord(record), name).toEqual(record)

    await env.store.set(KEY, old.signedIn as SessionRecord)
    const tab = env.open()
    await tab.client.start()
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: 'old-at', generation: 7, user: { sub: 'alice' } })

    // The shared backoff it wrote: no request before notBefore; the session is kept (an outage).
    await env.store.set(KEY, old.backingOff as SessionRecord)
    const before = env.server.requests.refresh_token
    env.clock.advance(300_000) // the token expired during the backoff
    env.hub.inject(previousSessionMessage(KEY, 7)) // the same generation again: its schedule was written
    await settle()
    await expect(tab.client.getAccessToken()).rejects.toMatchObject({ code: 'SERVER_ERROR' })
    expect(env.server.requests.refresh_token).toBe(before)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'SERVER_ERROR' } })

    // Its ended session, announced by its channel message: adopted, with the reason it stored.
    const events: AuthEvent[] = []
    tab.client.onEvent((event) => events.push(event))
    await env.store.set(KEY, old.reloginRequired as SessionRecord)
    env.hub.inject(previousSessionMessage(KEY, 8))
    await settle()
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED', reasons: ['refresh_token_reused'] } })
    expect(events).toContainEqual(expect.objectContaining({ type: 'reloginRequired', generation: 8 }))

    await env.store.set(KEY, old.signedOut as SessionRecord)
    env.hub.inject(previousSessionMessage(KEY, 9))
    await settle()
    expect(tab.client.getSnapshot()).toEqual({ status: 'signedOut' })
  })

  it('the previous release reads every record and message this release writes', async () => {
    const env = tabs({ expiresIn: 300 })
    const posted: unknown[] = []
    env.hub.endpoint().subscribe((message) => posted.push(message))
    const written: unknown[] = []
    const store = env.store
    const watching = { get: store.get, set: async (key: string, value: SessionRecord) => (written.push(structuredClone(value)), store.set(key, value)) }
    const tab = await signIn(env, env.open({ store: watching }), { store: watching })
    env.server.failNext.push(() => oauthError('temporarily_unavailable', 503))
    env.clock.advance(280_000) // stale, still unexpired: the failure leaves the caller the old token
    await tab.client.getAccessToken() // a transient failure: the shared schedule
    env.clock.advance(120_000)
    await tab.client.getAccessToken() // refreshed
    env.server.revokeAll()
    env.clock.advance(301_000)
    await tab.client.getAccessToken().catch(() => {}) // the grant died
    await tab.client.logout({ localOnly: true })
    await settle()
    const kinds = written.map((r) => ((r as SessionRecord).session ? ((r as SessionRecord).retry ? 'retry' : 'session') : (r as SessionRecord).ended))
    expect(kinds).toEqual(expect.arrayContaining(['session', 'retry', 'reloginRequired', 'signedOut']))
    for (const record of written) expect(previousParseRecord(record)).toEqual(record)
    // Generations only grow; a retry schedule keeps the generation.
    const generations = written.map((r) => (r as SessionRecord).generation)
    expect(generations).toEqual([...generations].sort((a, b) => a - b))
    expect(posted.length).toBeGreaterThan(0)
    for (const message of posted) {
      const previous = previousParseMessage(message, KEY)
      expect(previous).toEqual(parseMessage(message, KEY))
      expect(previous).toMatchObject({ tabauth: 1, type: 'session', key: KEY })
    }
  })
})
