import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect } from 'storybook/test'
import { AuthError } from 'tabauth'
import { RequireAuth } from 'tabauth/guard'
import type { AuthLoaded } from '../.storybook/preview'

const meta = {
  title: 'Components/RequireAuth',
  component: RequireAuth,
  args: { fallback: <p>Checking your session…</p>, children: <p>Your orders</p> },
} satisfies Meta<typeof RequireAuth>
export default meta
type Story = StoryObj<typeof meta>

export const Loading: Story = {
  parameters: { auth: { status: 'loading' } },
  play: async ({ canvas, loaded }) => {
    await expect(canvas.getByText('Checking your session…')).toBeVisible()
    await expect(canvas.queryByText('Your orders')).toBeNull()
    await expect((loaded as AuthLoaded).client.calls.autoLogin).toHaveLength(0)
  },
}

export const SignedOut: Story = {
  name: 'Signed out: starts sign-in once',
  parameters: { auth: { status: 'signedOut' } },
  play: async ({ canvas, loaded }) => {
    const { client } = loaded as AuthLoaded
    await expect(canvas.getByText('Checking your session…')).toBeVisible()
    await expect(client.getSnapshot()).toEqual({ status: 'redirecting' })
    await expect(canvas.queryByText('Your orders')).toBeNull()
    await expect(canvas.queryByRole('alert')).toBeNull() // StrictMode's second effect did not count as a second redirect
  },
}

export const Redirecting: Story = {
  parameters: { auth: { status: 'redirecting' } },
  play: async ({ canvas, loaded }) => {
    await expect(canvas.getByText('Checking your session…')).toBeVisible()
    await expect((loaded as AuthLoaded).client.calls.autoLogin).toHaveLength(0)
  },
}

export const SignedIn: Story = {
  parameters: { auth: { status: 'signedIn' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('Your orders')).toBeVisible()
  },
}

export const Outage: Story = {
  name: 'Outage: the page stays',
  parameters: { auth: { status: 'outage', error: new AuthError('NETWORK', 'The authorization server could not be reached.') } },
  play: async ({ canvas, loaded }) => {
    await expect(canvas.getByText('Your orders')).toBeVisible()
    await expect(canvas.queryByRole('alert')).toBeNull()
    await expect((loaded as AuthLoaded).client.calls.autoLogin).toHaveLength(0)
  },
}

export const ReloginRequired: Story = {
  name: 'Re-login required: shown, not redirected',
  parameters: { auth: { status: 'reloginRequired' } },
  play: async ({ canvas, userEvent, loaded }) => {
    await expect(canvas.getByRole('alert')).toHaveTextContent('The refresh token was rejected (invalid_grant)')
    await userEvent.tab()
    await expect(canvas.getByRole('button', { name: 'Sign in again' })).toHaveFocus()
    await expect((loaded as AuthLoaded).client.calls.autoLogin).toHaveLength(0)
  },
}

export const ErrorStatus: Story = {
  name: 'Error: shown, not redirected',
  parameters: { auth: { status: 'error', error: new AuthError('DISCOVERY_FAILED', 'The issuer’s metadata could not be loaded: the server answered 404.') } },
  play: async ({ canvas, loaded }) => {
    await expect(canvas.getByRole('alert')).toHaveTextContent('the server answered 404')
    await expect(canvas.getByRole('button', { name: 'Sign in' })).toBeEnabled()
    await expect((loaded as AuthLoaded).client.calls.autoLogin).toHaveLength(0)
  },
}

export const Refused: Story = {
  name: 'Sign-in refused (access_denied): shown, not redirected',
  parameters: {
    auth: {
      status: 'signedOut',
      error: new AuthError('AUTHORIZATION_ERROR', 'The authorization server answered access_denied: the user or the server refused the sign-in.', { error: 'access_denied' }),
    },
  },
  play: async ({ canvas, loaded }) => {
    await expect(canvas.getByRole('alert')).toHaveTextContent('access_denied')
    await expect((loaded as AuthLoaded).client.calls.autoLogin).toHaveLength(0)
  },
}

export const BackWithoutSession: Story = {
  name: 'Back without a session: no second redirect',
  parameters: { auth: { status: 'signedOut' } },
  play: async ({ canvas, loaded }) => {
    const { client } = loaded as AuthLoaded
    await expect(client.getSnapshot().status).toBe('redirecting')
    client.setState({ status: 'signedOut' }) // the user came back from the server's page without signing in
    await expect(await canvas.findByRole('alert')).toHaveTextContent('An automatic sign-in already ran')
    await expect(canvas.getByRole('button', { name: 'Sign in' })).toBeEnabled()
  },
}
