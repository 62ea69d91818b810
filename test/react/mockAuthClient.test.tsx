import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthError, AuthProvider, createAuthClient, LoginButton, LoginRequiredError, useAuth, type AuthEvent, type AuthStatus } from '../../src'
import { createMockAuthClient } from '../../src/testing'

afterEach(cleanup)

function Page() {
  const { status, user, error } = useAuth()
  return (
    <>
      <p>status: {status}</p>
      {user && <p>user: {user.name}</p>}
      {error && <p role="alert">{error.code}</p>}
      <LoginButton />
    </>
  )
}

const events = (client: ReturnType<typeof createMockAuthClient>) => {
  const seen: AuthEvent[] = []
  client.onEvent((event) => seen.push(event))
  return seen
}

describe('createMockAuthClient', () => {
  it('has every method of the real client', () => {
    const real = createAuthClient({ issuer: 'https://id.example.test', clientId: 'spa' })
    expect(Object.keys(createMockAuthClient())).toEqual(expect.arrayContaining(Object.keys(real)))
    real.dispose()
  })

  it('after dispose(), as the real client: every call rejects with DISPOSED, and no listener is called', async () => {
    const client = createMockAuthClient({ status: 'signedIn' })
    const seen = events(client)
    let notified = 0
    client.subscribe(() => notified++)
    expect(await client.getAccessToken()).toBe('mock-access-token-1')
    client.dispose()
    for (const call of [client.start(), client.login(), client.login({ popup: true }), client.autoLogin(), client.logout(), client.getAccessToken(), client.fetch('/api')]) {
      await expect(call).rejects.toMatchObject({ code: 'DISPOSED' })
    }
    client.expire()
    expect({ notified, seen }).toEqual({ notified: 0, seen: [] })
    expect(client.getSnapshot().status).toBe('signedIn')
    expect(client.calls.getAccessToken).toHaveLength(2)
  })

  it.each<[AuthStatus, string | undefined]>([
    ['loading', undefined],
    ['signedOut', undefined],
    ['redirecting', undefined],
    ['signedIn', undefined],
    ['reloginRequired', 'LOGIN_REQUIRED'],
    ['outage', 'NETWORK'],
    ['error', 'DISCOVERY_FAILED'],
  ])('renders %s through <AuthProvider> with the real snapshot shape', (status, code) => {
    const client = createMockAuthClient({ status })
    render(
      <AuthProvider client={client}>
        <Page />
      </AuthProvider>,
    )
    expect(screen.getByText(`status: ${status}`)).toBeTruthy()
    expect(screen.queryByRole('alert')?.textContent).toBe(code)
    const snapshot = client.getSnapshot()
    if (snapshot.status === 'signedIn') expect(snapshot).toMatchObject({ user: { sub: 'alice' }, accessToken: 'mock-access-token-1', generation: 1, expiresAt: expect.any(Number) })
    expect(client.calls.start).toHaveLength(1)
  })

  it('signIn() moves the rendered page to signedIn, with a signedIn event', () => {
    const client = createMockAuthClient()
    const seen = events(client)
    render(
      <AuthProvider client={client}>
        <Page />
      </AuthProvider>,
    )
    act(() => client.signIn({ sub: 'bob', name: 'Bob' }))
    expect(screen.getByText('user: Bob')).toBeTruthy()
    expect(seen).toEqual([{ type: 'signedIn', generation: 1 }])
  })

  it('expire(): the next getAccessToken() refreshes once, with a refreshed event', async () => {
    const client = createMockAuthClient({ status: 'signedIn' })
    const seen = events(client)
    await expect(client.getAccessToken()).resolves.toBe('mock-access-token-1')
    client.expire()
    expect((client.getSnapshot() as { expiresAt: number }).expiresAt).toBeLessThanOrEqual(Date.now())
    await expect(client.getAccessToken()).resolves.toBe('mock-access-token-2')
    await expect(client.getAccessToken()).resolves.toBe('mock-access-token-2')
    expect(seen).toEqual([{ type: 'refreshed', generation: 2 }])
    expect(client.calls.getAccessToken).toHaveLength(3)
  })

  it('endSession(reason): reloginRequired with an explained invalid_grant; getAccessToken() rejects with it', async () => {
    const client = createMockAuthClient({ status: 'signedIn' })
    const seen = events(client)
    client.endSession('refresh_token_reused')
    const snapshot = client.getSnapshot()
    expect(snapshot).toMatchObject({ status: 'reloginRequired', user: { sub: 'alice' } })
    const error = (snapshot as { error: AuthError }).error
    expect(error).toBeInstanceOf(LoginRequiredError)
    expect(error).toMatchObject({ code: 'LOGIN_REQUIRED', error: 'invalid_grant', reason: 'refresh_token_reused' })
    expect(error.message).toMatch(/already rotated refresh token/)
    await expect(client.getAccessToken()).rejects.toBe(error)
    expect(seen).toEqual([{ type: 'reloginRequired', generation: 2, error }])
  })

  it('fail(error): a transient error while signed in is an outage (the user kept), any other an error; getAccessToken() rejects with it', async () => {
    const client = createMockAuthClient({ status: 'signedIn' })
    const failure = new AuthError('SERVER_ERROR', 'The server answered 503.', { status: 503 })
    client.fail(failure)
    expect(client.getSnapshot()).toMatchObject({ status: 'outage', user: { sub: 'alice' }, error: failure })
    await expect(client.getAccessToken()).rejects.toBe(failure)
    const rejected = new AuthError('CONFIG', 'The token endpoint rejected this client.')
    client.fail(rejected)
    expect(client.getSnapshot()).toEqual({ status: 'error', error: rejected })
    await expect(client.getAccessToken()).rejects.toBe(rejected)
  })

  it('records login and logout with their options, and moves like the real client', async () => {
    const client = createMockAuthClient({ status: 'signedIn' })
    const seen = events(client)
    await expect(client.logout({ localOnly: true })).resolves.toEqual({ revocation: 'revoked', revoked: ['refresh_token', 'access_token'], endSession: 'local_only' })
    expect(client.getSnapshot()).toEqual({ status: 'signedOut' })
    expect(seen).toEqual([
      { type: 'signedOut', generation: 2 },
      { type: 'logout', result: { revocation: 'revoked', revoked: ['refresh_token', 'access_token'], endSession: 'local_only' } },
    ])
    await client.login({ returnTo: '/orders' })
    expect(client.getSnapshot()).toEqual({ status: 'redirecting' })
    expect(client.calls.logout).toEqual([[{ localOnly: true }]])
    expect(client.calls.login).toEqual([[{ returnTo: '/orders' }]])
    await expect(client.getAccessToken()).rejects.toBeInstanceOf(LoginRequiredError)
  })

  it('login({ popup: true }) comes back signed in without leaving the page; a redirect says so', async () => {
    const client = createMockAuthClient({ status: 'reloginRequired' })
    await expect(client.login({ popup: true })).resolves.toBe('signedIn')
    expect(client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice' } })
    await client.logout()
    await expect(client.login()).resolves.toBe('redirected')
  })

  it('fetch sends through the given fetch with the access token, and no network otherwise', async () => {
    const sent: Request[] = []
    const client = createMockAuthClient({
      status: 'signedIn',
      accessToken: 'at-test',
      resourceServers: ['https://api.example.test'],
      fetch: async (input, init) => (sent.push(new Request(input, init)), new Response('ok')),
    })
    const response = await client.fetch('https://api.example.test/orders', { headers: { accept: 'application/json' } })
    expect(await response.text()).toBe('ok')
    expect(sent[0].headers.get('authorization')).toBe('Bearer at-test')
    expect(sent[0].headers.get('accept')).toBe('application/json')
  })

  it('fetch refuses a URL outside resourceServers, as the real client does, and sends nothing', async () => {
    const sent: unknown[] = []
    const client = createMockAuthClient({ status: 'signedIn', fetch: async (input) => (sent.push(input), new Response('ok')) })
    await expect(client.fetch('https://api.other.example/x')).rejects.toMatchObject({ code: 'CONFIG' })
    expect(sent).toEqual([])
  })

  it("fetch takes a relative URL, as an app's code passes it", async () => {
    const urls: string[] = []
    const client = createMockAuthClient({ status: 'signedIn', fetch: async (input) => (urls.push(String(input)), new Response('ok')) })
    await client.fetch('/api/orders')
    expect(urls).toEqual(['/api/orders'])
  })
})
