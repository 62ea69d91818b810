// OAuth 2.0 without OpenID Connect: RFC 8414 metadata, no ID token, no user (or the user from userinfo).
import { userinfo } from '../../src/userinfo'
import { describe, expect, it } from 'vitest'
import { signIn, tabs } from './fakes'

function oauth2Server() {
  const env = tabs()
  env.server.idTokens = false
  return env
}

describe('OAuth 2.0 without OpenID Connect', () => {
  it('signs in with a scope lacking openid: RFC 8414 metadata, no nonce, signedIn without a user, refresh as usual', async () => {
    const env = oauth2Server()
    const config = { scope: 'api offline_access' }
    const first = env.open(config)
    await first.client.start()
    await first.client.login()
    const authorization = new URL(first.navigation.assigned.at(-1)!)
    expect(authorization.searchParams.has('nonce')).toBe(false)
    expect(env.server.discovered).toEqual(['/.well-known/oauth-authorization-server'])
    const tab = await signIn(env, env.open(config), config)
    const state = tab.client.getSnapshot()
    expect(state).toMatchObject({ status: 'signedIn' })
    expect(state.status === 'signedIn' && state.user).toBeUndefined()
    env.clock.advance(301_000)
    await expect(tab.client.getAccessToken()).resolves.toMatch(/^at-/)
    expect(env.server.requests.refresh_token).toBe(1)
    expect(env.server.requests.userinfo).toBe(0)
  })

  it('with userinfo: true the user comes from the userinfo endpoint', async () => {
    const env = oauth2Server()
    const config = { scope: 'api offline_access', userinfo: userinfo() }
    const tab = await signIn(env, env.open(config), config)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice', name: 'Alice Example' } })
    expect(env.server.requests.userinfo).toBe(1)
  })

  it('with openid in the scope an ID token is still required', async () => {
    const env = oauth2Server()
    const tab = await signIn(env, env.open())
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_RESPONSE' } })
  })
})

describe('a refresh token with a fixed lifetime (refresh_token_expires_in)', () => {
  it('past it, the session ends as reloginRequired with that reason, and no request is sent', async () => {
    const env = tabs()
    env.server.refreshExpiresIn = 600
    const tab = await signIn(env, env.open())
    const other = env.open()
    await other.client.start()
    env.clock.advance(301_000)
    await expect(tab.client.getAccessToken()).resolves.toMatch(/^at-/) // inside the lifetime: refreshed (deadline now 301 s + 600 s)
    env.clock.advance(601_000)
    const before = env.server.requests.refresh_token
    await expect(tab.client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED', reason: 'refresh_token_lifetime_exceeded' })
    expect(env.server.requests.refresh_token).toBe(before)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { reason: 'refresh_token_lifetime_exceeded' } })
    // The other tab learns why from the shared record, not only that the session ended.
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(other.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED', reason: 'refresh_token_lifetime_exceeded' } })
  })
})
