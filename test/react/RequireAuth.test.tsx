import { StrictMode } from 'react'
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthError, AuthProvider, type AuthStatus } from '../../src'
import { RequireAuth } from '../../src/guard'
import { createMockAuthClient, type MockAuthClient } from '../../src/testing'

afterEach(cleanup)

/** The guarded page in StrictMode (effects run twice), and every status the client published. */
function renderGuarded(client: MockAuthClient, props: Partial<Parameters<typeof RequireAuth>[0]> = {}) {
  const published: AuthStatus[] = []
  client.subscribe(() => published.push(client.getSnapshot().status))
  render(
    <StrictMode>
      <AuthProvider client={client}>
        <RequireAuth fallback={<p>Loading…</p>} {...props}>
          <p>Secret page</p>
        </RequireAuth>
      </AuthProvider>
    </StrictMode>,
  )
  return { redirects: () => published.filter((status) => status === 'redirecting').length }
}

describe('RequireAuth', () => {
  it('renders its children when signed in, and starts nothing', () => {
    const client = createMockAuthClient({ status: 'signedIn' })
    renderGuarded(client)
    expect(screen.getByText('Secret page')).toBeTruthy()
    expect(client.calls.autoLogin).toHaveLength(0)
  })

  it('shows the fallback while loading, then starts exactly one sign-in under StrictMode, back to the given path', () => {
    const client = createMockAuthClient({ status: 'loading' })
    const { redirects } = renderGuarded(client, { returnTo: '/orders/7' })
    expect(screen.getByText('Loading…')).toBeTruthy()
    expect(client.calls.autoLogin).toHaveLength(0)
    act(() => client.setState({ status: 'signedOut' }))
    expect(redirects()).toBe(1)
    expect(client.getSnapshot()).toEqual({ status: 'redirecting' })
    expect(client.calls.autoLogin[0]).toEqual([{ returnTo: '/orders/7' }])
    expect(screen.getByText('Loading…')).toBeTruthy()
    expect(screen.queryByText('Secret page')).toBeNull()
  })

  it('a sign-out (here or in another tab) while the page is open is not followed by an automatic sign-in: a button instead', async () => {
    const client = createMockAuthClient({ status: 'signedIn' })
    const { redirects } = renderGuarded(client)
    expect(screen.getByText('Secret page')).toBeTruthy()
    await act(() => client.logout({ localOnly: true }).then(() => {}))
    expect(client.calls.autoLogin).toHaveLength(0)
    expect(redirects()).toBe(0)
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy()
    // A click signs in as usual.
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(client.calls.login).toHaveLength(1)
  })

  it('a refused sign-in is shown with a button, not redirected', () => {
    const refused = new AuthError('AUTHORIZATION_ERROR', 'The authorization server answered access_denied: the user refused.', { error: 'access_denied' })
    const client = createMockAuthClient({ status: 'signedOut', error: refused })
    const { redirects } = renderGuarded(client)
    expect(screen.getByRole('alert').textContent).toContain('access_denied')
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy()
    expect(client.calls.autoLogin).toHaveLength(0)
    expect(redirects()).toBe(0)
  })

  it.each(['reloginRequired', 'error'] as const)('%s is shown, never redirected', (status) => {
    const client = createMockAuthClient({ status })
    renderGuarded(client)
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain((client.getSnapshot() as { error: AuthError }).error.message)
    expect(screen.getByRole('button', { name: status === 'reloginRequired' ? 'Sign in again' : 'Sign in' })).toBeTruthy()
    expect(client.calls.autoLogin).toHaveLength(0)
  })

  it('back without a session after its one redirect: RELOGIN_LOOP is shown, no second redirect; the button still signs in', () => {
    const client = createMockAuthClient({ status: 'signedOut' })
    const { redirects } = renderGuarded(client)
    expect(redirects()).toBe(1)
    act(() => client.setState({ status: 'signedOut' })) // e.g. the user pressed Back on the server's page
    expect(redirects()).toBe(1)
    expect(screen.getByRole('alert').textContent).toMatch(/already ran/)
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(client.calls.login).toHaveLength(1)
  })

  it('renderError replaces the default prompt', () => {
    const client = createMockAuthClient({ status: 'error', error: new AuthError('DISCOVERY_FAILED', 'no metadata') })
    renderGuarded(client, { renderError: (error) => <p>Custom: {error.code}</p> })
    expect(screen.getByText('Custom: DISCOVERY_FAILED')).toBeTruthy()
    expect(screen.queryByRole('alert')).toBeNull()
  })
})
