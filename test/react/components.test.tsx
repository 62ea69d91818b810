import { StrictMode, type ReactNode } from 'react'
import { act, cleanup, fireEvent, render, renderHook, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthError, AuthProvider, LoginButton, LoginRequiredError, LogoutButton, useAuth, useGetToken, useToken, type AuthState } from '../../src'
import { createMockAuthClient, type MockAuthClient } from '../../src/testing'

afterEach(cleanup)

const user = { sub: 'alice', name: 'Alice Example' }
const states: Record<AuthState['status'], AuthState> = {
  loading: { status: 'loading' },
  signedOut: { status: 'signedOut' },
  redirecting: { status: 'redirecting' },
  signedIn: { status: 'signedIn', user, accessToken: 'at-1', expiresAt: 2_000_000_000_000, generation: 1 },
  outage: { status: 'outage', user, error: new AuthError('NETWORK', 'offline') },
  reloginRequired: { status: 'reloginRequired', user, error: new LoginRequiredError() },
  error: { status: 'error', error: new AuthError('DISCOVERY_FAILED', 'Could not load metadata') },
}

/** A mock client publishing exactly `state`. */
function mockClient(state: AuthState): MockAuthClient {
  const client = createMockAuthClient()
  client.setState(state)
  return client
}

function wrap(client: MockAuthClient) {
  return ({ children }: { children?: ReactNode }) => (
    <StrictMode>
      <AuthProvider client={client}>{children}</AuthProvider>
    </StrictMode>
  )
}

describe('AuthProvider', () => {
  it('starts a prebuilt client (idempotently, under StrictMode)', () => {
    const client = mockClient(states.loading)
    render(<div />, { wrapper: wrap(client) })
    expect(client.calls.start.length).toBeGreaterThanOrEqual(1)
  })

  it('hooks throw a clear error outside the provider', () => {
    expect(() => renderHook(() => useAuth())).toThrow(/inside <AuthProvider>/)
    expect(() => renderHook(() => useToken())).toThrow(/inside <AuthProvider>/)
    expect(() => renderHook(() => useGetToken())).toThrow(/inside <AuthProvider>/)
  })

  it('builds its own client from config props', async () => {
    function Status() {
      return <p>{useAuth().status}</p>
    }
    render(
      <StrictMode>
        <AuthProvider issuer="https://id.example.test" clientId="spa">
          <Status />
        </AuthProvider>
      </StrictMode>,
    )
    expect(screen.getByText('loading')).toBeTruthy()
    // jsdom has no IndexedDB: the client falls back to memory, finds no session, and says so.
    expect(await screen.findByText('signedOut')).toBeTruthy()
  })

  it('rejects an http issuer that is not loopback when given as props', () => {
    expect(() => render(<AuthProvider issuer="http://id.example.test" clientId="spa" />)).toThrow(/must use https/)
  })
})

describe('useAuth', () => {
  it.each(Object.values(states))('reflects $status', (state) => {
    const client = mockClient(state)
    const { result } = renderHook(() => useAuth(), { wrapper: wrap(client) })
    expect(result.current.status).toBe(state.status)
    expect(result.current.user).toEqual('user' in state ? state.user : undefined)
    expect(result.current.error).toBe('error' in state ? state.error : undefined)
  })

  it('re-renders on change and keeps the same result object while nothing changes', () => {
    const client = mockClient(states.signedOut)
    const { result, rerender } = renderHook(() => useAuth(), { wrapper: wrap(client) })
    const first = result.current
    rerender()
    expect(result.current).toBe(first)
    act(() => client.setState(states.signedIn))
    expect(result.current.user?.name).toBe('Alice Example')
  })
})

describe('useToken', () => {
  it('gives the token when signed in and asks the client to keep it fresh', () => {
    const client = mockClient(states.signedIn)
    const { result } = renderHook(() => useToken(), { wrapper: wrap(client) })
    expect(result.current).toEqual({ status: 'signedIn', accessToken: 'at-1', expiresAt: 2_000_000_000_000, error: undefined })
    expect(client.calls.getAccessToken.length).toBeGreaterThanOrEqual(1)
  })

  it('shows reloginRequired without throwing during render', () => {
    const client = mockClient(states.reloginRequired)
    const { result } = renderHook(() => useToken(), { wrapper: wrap(client) })
    expect(result.current.status).toBe('reloginRequired')
    expect(result.current.accessToken).toBeUndefined()
    expect(result.current.error?.code).toBe('LOGIN_REQUIRED')
    expect(client.calls.getAccessToken).toHaveLength(0)
  })

  it('reports a failed refresh as its error, for that snapshot only', async () => {
    const client = mockClient(states.signedIn)
    client.getAccessToken = async () => {
      throw new AuthError('NETWORK', 'offline')
    }
    const { result } = renderHook(() => useToken(), { wrapper: wrap(client) })
    await act(async () => {})
    expect(result.current.error?.code).toBe('NETWORK')
    client.getAccessToken = async () => 'at-2'
    act(() => client.setState({ ...states.signedIn, accessToken: 'at-2', generation: 2 } as AuthState))
    expect(result.current).toMatchObject({ accessToken: 'at-2', error: undefined })
  })
})

describe('useGetToken', () => {
  it('is stable across renders and resolves the client token', async () => {
    const client = mockClient(states.signedIn)
    const { result, rerender } = renderHook(() => useGetToken(), { wrapper: wrap(client) })
    const first = result.current
    act(() => client.setState({ ...states.signedIn, generation: 2 } as AuthState))
    rerender()
    expect(result.current).toBe(first)
    await expect(result.current()).resolves.toBe('at-1')
  })
})

describe('LoginButton', () => {
  const cases: Array<[AuthState['status'], string | null, boolean]> = [
    ['loading', 'Sign in', true],
    ['signedOut', 'Sign in', false],
    ['redirecting', 'Signing in…', true],
    ['signedIn', null, false],
    ['outage', null, false], // the session is kept
    ['reloginRequired', 'Sign in again', false],
    ['error', 'Sign in', false],
  ]
  it.each(cases)('%s → %s (disabled: %s)', (status, label, disabled) => {
    const client = mockClient(states[status])
    render(<LoginButton className="cta" />, { wrapper: wrap(client) })
    if (label === null) return expect(screen.queryByRole('button')).toBeNull()
    const button = screen.getByRole('button', { name: label }) as HTMLButtonElement
    expect(button.disabled).toBe(disabled)
    expect(button.className).toBe('cta')
  })

  it('logs in with returnTo and accepts children', () => {
    const client = mockClient(states.signedOut)
    render(<LoginButton returnTo="/after">Continue with SSO</LoginButton>, { wrapper: wrap(client) })
    fireEvent.click(screen.getByRole('button', { name: 'Continue with SSO' }))
    expect(client.calls.login).toEqual([[{ returnTo: '/after' }]])
  })

  it('with popup, signs in again in a popup; a first sign-in still redirects', () => {
    const client = mockClient(states.reloginRequired)
    render(<LoginButton popup />, { wrapper: wrap(client) })
    fireEvent.click(screen.getByRole('button', { name: 'Sign in again' }))
    act(() => client.setState(states.signedOut))
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(client.calls.login).toEqual([[{ popup: true }], [{ popup: false }]])
  })
})

describe('LogoutButton', () => {
  const cases: Array<[AuthState['status'], string | null, boolean]> = [
    ['loading', 'Sign out', true],
    ['signedOut', null, false],
    ['redirecting', 'Signing out…', true],
    ['signedIn', 'Sign out', false],
    ['outage', 'Sign out', false], // the session is kept
    ['reloginRequired', 'Sign out', false],
    ['error', null, false], // a failed sign-in (DISCOVERY_FAILED): no session to end
  ]
  it.each(cases)('%s → %s (disabled: %s)', (status, label, disabled) => {
    const client = mockClient(states[status])
    render(<LogoutButton />, { wrapper: wrap(client) })
    if (label === null) return expect(screen.queryByRole('button')).toBeNull()
    expect((screen.getByRole('button', { name: label }) as HTMLButtonElement).disabled).toBe(disabled)
  })

  it('an outage keeps the session: Sign out', () => {
    const client = mockClient(states.outage)
    render(<LogoutButton />, { wrapper: wrap(client) })
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy()
  })

  it('logs out, locally when asked', () => {
    const client = mockClient(states.signedIn)
    render(<LogoutButton localOnly />, { wrapper: wrap(client) })
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }))
    expect(client.calls.logout).toEqual([[{ localOnly: true }]])
  })
})
