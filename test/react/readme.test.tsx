// The "Testing your app" example of the README, as written there (OrdersPage is the app's page).
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, expect, test } from 'vitest'
import { AuthProvider, LoginButton, useAuth } from '../../src'
import { createMockAuthClient } from '../../src/testing'

afterEach(cleanup)

function OrdersPage() {
  const { status, user, error } = useAuth()
  if (status === 'signedIn') return <h1>Orders of {user?.name}</h1>
  return (
    <>
      {error && <p role="alert">{error.message}</p>}
      <LoginButton />
    </>
  )
}

test('the orders page offers "Sign in again" when the session ends', () => {
  const auth = createMockAuthClient({ status: 'signedIn', user: { sub: 'alice', name: 'Alice' } })
  render(
    <AuthProvider client={auth}>
      <OrdersPage />
    </AuthProvider>,
  )
  expect(screen.getByText('Orders of Alice')).toBeTruthy()

  act(() => auth.endSession()) // the grant died at the server: reloginRequired, an explained invalid_grant
  expect(screen.getByRole('alert').textContent).toMatch(/refresh token was revoked/)
  fireEvent.click(screen.getByRole('button', { name: 'Sign in again' }))
  expect(auth.calls.login).toHaveLength(1) // every call is recorded with its arguments
})
