// Sign-out tells the truth: logout() resolves to what it did at the server and emits it as an event.
import { describe, expect, it } from 'vitest'
import type { AuthEvent } from '../../src'
import { ISSUER, signIn, tabs } from './fakes'

function withoutEndpoints(env: ReturnType<typeof tabs>) {
  const metadata = env.server.metadata as Partial<typeof env.server.metadata>
  delete metadata.revocation_endpoint
  delete metadata.end_session_endpoint
}

describe('logout', () => {
  it('revokes, goes to the end-session endpoint, and says so in its result and an event', async () => {
    const env = tabs()
    const tab = await signIn(env, env.open())
    const events: AuthEvent[] = []
    tab.client.onEvent((event) => events.push(event))
    const result = await tab.client.logout()
    expect(result).toEqual({ revocation: 'revoked', revoked: ['refresh_token', 'access_token'], endSession: 'redirecting' })
    expect(events.find((event) => event.type === 'logout')).toEqual({ type: 'logout', result })
    // Both tokens: a server need not end the grant's access tokens with its refresh token (RFC 7009 section 2.1).
    expect(env.server.requests.revocation).toBe(2)
    expect(tab.navigation.assigned.at(-1)).toMatch(new RegExp(`^${ISSUER}/logout\\?`))
  })

  it('a server without revocation and end-session endpoints: signed out locally, and the result says nothing ended at the server', async () => {
    const env = tabs()
    withoutEndpoints(env)
    const tab = await signIn(env, env.open())
    const before = tab.navigation.assigned.length
    const result = await tab.client.logout()
    expect(result).toEqual({ revocation: 'no_endpoint', revoked: [], endSession: 'no_endpoint' })
    expect(tab.client.getSnapshot().status).toBe('signedOut')
    expect(env.server.requests.revocation).toBe(0)
    expect(tab.navigation.assigned.length).toBe(before)
  })

  it('endpoints that metadata omits can be configured: merged over discovery', async () => {
    const env = tabs()
    withoutEndpoints(env)
    const metadata = { revocation_endpoint: `${ISSUER}/revoke`, end_session_endpoint: `${ISSUER}/logout` }
    const tab = await signIn(env, env.open({ metadata }), { metadata })
    expect(await tab.client.logout()).toEqual({ revocation: 'revoked', revoked: ['refresh_token', 'access_token'], endSession: 'redirecting' })
    expect(env.server.requests.revocation).toBe(2)
  })

  it('localOnly skips the end-session endpoint and says so', async () => {
    const env = tabs()
    const tab = await signIn(env, env.open())
    expect(await tab.client.logout({ localOnly: true })).toEqual({ revocation: 'revoked', revoked: ['refresh_token', 'access_token'], endSession: 'local_only' })
  })

  it('a failed revocation is reported with its error; the session is gone anyway', async () => {
    const env = tabs()
    await signIn(env, env.open())
    const fetch = env.server.fetch
    env.server.fetch = (async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).endsWith('/revoke') ? new Response('busy', { status: 503 }) : fetch(input, init)) as typeof globalThis.fetch
    const page = env.open({ fetch: env.server.fetch })
    await page.client.start()
    const result = await page.client.logout({ localOnly: true })
    expect(result).toMatchObject({ revocation: 'failed', endSession: 'local_only', error: { code: 'SERVER_ERROR', status: 503 } })
    expect(page.client.getSnapshot().status).toBe('signedOut')
  })

  it('a failed revocation does not make a missing end-session endpoint look failed', async () => {
    const env = tabs()
    delete (env.server.metadata as { end_session_endpoint?: string }).end_session_endpoint
    await signIn(env, env.open())
    const fetch = env.server.fetch
    const failing = (async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).endsWith('/revoke') ? new Response('busy', { status: 503 }) : fetch(input, init)) as typeof globalThis.fetch
    const page = env.open({ fetch: failing })
    await page.client.start()
    expect(await page.client.logout()).toMatchObject({ revocation: 'failed', endSession: 'no_endpoint', error: { code: 'SERVER_ERROR' } })
  })

  it('without a session there is nothing to revoke', async () => {
    const env = tabs()
    const tab = env.open()
    expect(await tab.client.logout({ localOnly: true })).toEqual({ revocation: 'no_session', revoked: [], endSession: 'local_only' })
  })
})
