import { describe, expect, it } from 'vitest'
import { LoginRequiredError, type AuthEvent } from '../../src'
import { refreshAt } from '../../src/core/timing'
import { APP, ISSUER, CLIENT_ID, oauthError, signIn, tabs } from './fakes'

async function signedInTabs(count: number, expiresIn = 300) {
  const env = tabs({ expiresIn })
  const first = await signIn(env, env.open())
  const others = []
  for (let i = 1; i < count; i++) {
    const tab = env.open()
    await tab.client.start()
    others.push(tab)
  }
  return { env, all: [first, ...others] }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('getAccessToken in one tab', () => {
  it('returns a fresh token with no request', async () => {
    const { env, all } = await signedInTabs(1)
    const token = await all[0].client.getAccessToken()
    expect(token).toBe((all[0].client.getSnapshot() as { accessToken: string }).accessToken)
    expect(env.server.requests.refresh_token).toBe(0)
  })

  it('concurrent calls on a stale token share one refresh request', async () => {
    const { env, all } = await signedInTabs(1)
    env.clock.advance(300_000)
    const tokens = await Promise.all(Array.from({ length: 10 }, () => all[0].client.getAccessToken()))
    expect(env.server.requests.refresh_token).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    expect(all[0].client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokens[0], generation: 2 })
  })

  it('rejects with LoginRequiredError when signed out', async () => {
    const env = tabs()
    const tab = env.open()
    await expect(tab.client.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError)
  })

  it('a session without a refresh token (no offline_access) ends at expiry as reloginRequired with reason no_refresh_token in every tab, no request', async () => {
    const env = tabs()
    env.server.tamperNext.push((body) => void delete body.refresh_token)
    const first = await signIn(env, env.open())
    const second = env.open()
    await second.client.start()
    env.clock.advance(300_000)
    await expect(first.client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED', reason: 'no_refresh_token' })
    await second.client.getAccessToken().catch(() => {})
    for (const tab of [first, second]) expect(tab.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { reason: 'no_refresh_token' } })
    expect(env.server.requests.refresh_token).toBe(0)
  })

  it('invalid_client is a CONFIG error in every tab, not a re-login, and no tab sends the refresh token again', async () => {
    const { env, all } = await signedInTabs(2)
    env.clock.advance(300_000)
    env.server.failNext.push(() => oauthError('invalid_client', 401))
    await expect(all[0].client.getAccessToken()).rejects.toMatchObject({ code: 'CONFIG', error: 'invalid_client', status: 401 })
    await expect(all[1].client.getAccessToken()).rejects.toMatchObject({ code: 'CONFIG', reason: 'client_rejected' })
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'CONFIG', reason: 'client_rejected' } })
    expect(env.server.requests.refresh_token).toBe(1)
  })
})

describe('freshness', () => {
  it('scales the refresh margin with the token lifetime', () => {
    const issuedAt = 1_000_000
    // 5 minutes: refresh 30 s early (the skew), not 60 s.
    expect(refreshAt({ accessToken: 'a', tokenType: 'Bearer', issuedAt, expiresAt: issuedAt + 300_000 }, 30_000)).toBe(issuedAt + 270_000)
    // 3 seconds: refresh 0.75 s early, so the token is not stale from birth.
    expect(refreshAt({ accessToken: 'a', tokenType: 'Bearer', issuedAt, expiresAt: issuedAt + 3_000 }, 30_000)).toBe(issuedAt + 2_250)
    expect(refreshAt({ accessToken: 'a', tokenType: 'Bearer', issuedAt }, 30_000)).toBe(Infinity)
  })

  it('a visible tab with listeners refreshes ahead of expiry; a hidden one does not', async () => {
    const { env, all } = await signedInTabs(2, 60)
    const [visible, hidden] = all
    hidden.lifecycle.visible = false
    const stop = [visible.client.subscribe(() => {}), hidden.client.subscribe(() => {})]
    // Timers of both tabs fire at refreshAt; only the visible tab refreshes.
    env.clock.advance(46_000)
    await settle()
    await settle()
    expect(env.server.requests.refresh_token).toBe(1)
    await settle()
    expect(hidden.client.getSnapshot()).toMatchObject({ generation: 2 }) // adopted through the channel
    stop.forEach((s) => s())
  })

  it('a hidden tab that becomes visible refreshes ahead of expiry again', async () => {
    const { env, all } = await signedInTabs(1, 60)
    const [tab] = all
    tab.lifecycle.visible = false
    const stop = tab.client.subscribe(() => {}) // hidden: the timer waits for expiry (60 s)
    tab.lifecycle.visible = true
    tab.lifecycle.wake()
    await settle()
    env.clock.advance(46_000) // past refreshAt (45 s), before expiry
    await settle()
    expect(env.server.requests.refresh_token).toBe(1)
    stop()
  })

  it('without listeners nothing refreshes on a timer', async () => {
    const { env } = await signedInTabs(1, 60)
    env.clock.advance(120_000)
    await settle()
    expect(env.server.requests.refresh_token).toBe(0)
  })
})

describe('across tabs (shared store, lock and channel)', () => {
  it('five tabs asking at once cause one refresh and hold the same token', async () => {
    const { env, all } = await signedInTabs(5)
    env.clock.advance(300_000)
    const tokens = await Promise.all(all.flatMap((tab) => [tab.client.getAccessToken(), tab.client.getAccessToken(), tab.client.getAccessToken()]))
    expect(env.server.requests.refresh_token).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokens[0], generation: 2 })
  })

  it('a tab with a stale generation adopts the newer session instead of refreshing', async () => {
    const { env, all } = await signedInTabs(2)
    const [a, b] = all
    const events: AuthEvent[] = []
    b.client.onEvent((e) => events.push(e))
    b.deafen() // b misses the channel message: it still holds generation 1 in memory
    env.clock.advance(300_000)
    await a.client.getAccessToken()
    expect(b.client.getSnapshot()).toMatchObject({ generation: 1 })
    const token = await b.client.getAccessToken()
    expect(env.server.requests.refresh_token).toBe(1)
    expect(token).toBe((a.client.getSnapshot() as { accessToken: string }).accessToken)
    expect(events).toContainEqual({ type: 'adopted', generation: 2 })
  })

  it('a woken tab reads the newest generation before anything else', async () => {
    const { env, all } = await signedInTabs(2)
    const [a, b] = all
    b.deafen() // "frozen": it hears no channel message
    env.clock.advance(300_000)
    await a.client.getAccessToken()
    await a.client.getAccessToken()
    const frozen = env.open()
    await frozen.client.start()
    expect(frozen.client.getSnapshot()).toMatchObject({ generation: 2 })
    // The frozen tab's memory still has generation 1; a refresh must use the store's refresh token.
    env.clock.advance(300_000)
    await b.client.getAccessToken()
    expect(env.server.requests.refresh_token).toBe(2)
    expect(b.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 3 })
  })

  it('a rejected refresh token ends the session in every tab as reloginRequired, with one request', async () => {
    const { env, all } = await signedInTabs(3)
    env.server.revokeAll()
    env.clock.advance(300_000)
    const results = await Promise.allSettled(all.map((tab) => tab.client.getAccessToken()))
    expect(env.server.requests.refresh_token).toBe(1)
    for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: { code: 'LOGIN_REQUIRED' } })
    await settle()
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED' } })
    // Nothing sends that grant again.
    await Promise.allSettled(all.map((tab) => tab.client.getAccessToken()))
    expect(env.server.requests.refresh_token).toBe(1)
  })

  it('sign-in in one tab signs in the others; sign-out in one signs out all', async () => {
    const env = tabs()
    const other = env.open()
    await other.client.start()
    expect(other.client.getSnapshot().status).toBe('signedOut')
    const tab = await signIn(env, env.open())
    await settle()
    expect(other.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { name: 'Alice Example' } })
    await tab.client.logout({ localOnly: true })
    await settle()
    expect(other.client.getSnapshot()).toEqual({ status: 'signedOut' })
  })

  it('ignores malformed and foreign channel messages and reports them', async () => {
    const { env, all } = await signedInTabs(1)
    const before = all[0].client.getSnapshot()
    const events: AuthEvent[] = []
    all[0].client.onEvent((e) => events.push(e))
    for (const message of [null, 'hello', { tabauth: 2 }, { tabauth: 1, type: 'session', key: `${ISSUER} ${CLIENT_ID}`, generation: -1 }]) env.hub.inject(message)
    env.hub.inject({ tabauth: 1, type: 'session', key: 'https://other other', generation: 99 })
    await settle()
    expect(all[0].client.getSnapshot()).toBe(before)
    expect(events.filter((e) => e.type === 'channelMessageIgnored')).toHaveLength(4)
  })
})

describe('storage', () => {
  it('treats corrupt or foreign store contents as no session', async () => {
    for (const value of ['garbage', { v: 2 }, { v: 1, generation: 1, session: { tokens: {} } }, { v: 1, generation: 'x', session: null }]) {
      const env = tabs()
      await env.store.set(`${ISSUER} ${CLIENT_ID}`, value as never)
      const tab = env.open()
      await tab.client.start()
      expect(tab.client.getSnapshot()).toEqual({ status: 'signedOut' })
      await expect(tab.client.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError)
    }
  })

  it('a new tab is signed in from the store with no request', async () => {
    const { env } = await signedInTabs(1)
    const before = { ...env.server.requests }
    const tab = env.open()
    await tab.client.start()
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn' })
    expect(env.server.requests).toEqual(before)
  })

  it('snapshots stay identical while nothing changes', async () => {
    const { all } = await signedInTabs(1)
    const first = all[0].client.getSnapshot()
    await all[0].client.getAccessToken()
    await all[0].client.start()
    expect(all[0].client.getSnapshot()).toBe(first)
  })
})

describe('logout', () => {
  it('revokes the refresh token, clears every tab and ends the session at the server', async () => {
    const { env, all } = await signedInTabs(2)
    const [a, b] = all
    await a.client.logout()
    expect(env.server.requests.revocation).toBe(2) // the refresh token, then the access token
    const endSession = new URL(a.navigation.assigned.at(-1)!)
    expect(endSession.origin + endSession.pathname).toBe(`${ISSUER}/logout`)
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${APP}/`)
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^ey/)
    await settle()
    expect(b.client.getSnapshot()).toEqual({ status: 'signedOut' })
    // The revoked grant is dead at the server.
    env.clock.advance(300_000)
    await expect(b.client.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError)
  })

  it('localOnly does not visit the end-session endpoint', async () => {
    const { env, all } = await signedInTabs(1)
    const assigned = all[0].navigation.assigned.length
    await all[0].client.logout({ localOnly: true })
    expect(all[0].navigation.assigned.length).toBe(assigned)
    expect(all[0].client.getSnapshot()).toEqual({ status: 'signedOut' })
    expect(env.server.requests.revocation).toBe(2)
  })
})
