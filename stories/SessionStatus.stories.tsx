import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect } from 'storybook/test'
import { AuthError } from 'tabauth'
import { SessionStatus } from '../example/SessionStatus'
import type { AuthLoaded } from '../.storybook/preview'

const meta = {
  title: 'Demo/SessionStatus',
  component: SessionStatus,
} satisfies Meta<typeof SessionStatus>
export default meta
type Story = StoryObj<typeof meta>

export const Loading: Story = {
  parameters: { auth: { status: 'loading' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('Checking your session…')).toBeVisible()
    await expect(canvas.getByRole('button', { name: 'Sign in' })).toBeDisabled()
  },
}

export const SignedOut: Story = {
  parameters: { auth: { status: 'signedOut' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('Signed out')).toBeVisible()
    await expect(canvas.queryByRole('button', { name: 'Sign out' })).toBeNull()
  },
}

export const Redirecting: Story = {
  parameters: { auth: { status: 'redirecting' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('On the way to the sign-in page…')).toBeVisible()
    await expect(canvas.getByRole('button', { name: 'Signing in…' })).toBeDisabled()
  },
}

export const SignedIn: Story = {
  parameters: { auth: { status: 'signedIn', user: { sub: 'alice', name: 'Alice Example' } } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('as Alice Example', { exact: false })).toBeVisible()
    await expect(canvas.getByRole('button', { name: 'Sign out' })).toBeEnabled()
  },
}

export const ReloginRequired: Story = {
  name: 'Re-login required (invalid_grant explained)',
  parameters: { auth: { status: 'reloginRequired' } },
  play: async ({ canvas }) => {
    const alert = canvas.getByRole('alert')
    await expect(alert).toHaveTextContent('LOGIN_REQUIRED')
    await expect(alert).toHaveTextContent('The refresh token was rejected (invalid_grant)')
    await expect(alert).toHaveTextContent('reason: refresh_token_revoked_or_expired')
    await expect(canvas.getByRole('button', { name: 'Sign in again' })).toBeEnabled()
  },
}

export const Outage: Story = {
  name: 'Outage (the refresh keeps failing, the session kept)',
  parameters: { auth: { status: 'outage', error: new AuthError('SERVER_ERROR', 'The token endpoint answered 503 four times: try again later.', { status: 503 }) } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('Signed in; the sign-in server is not answering, retrying…')).toBeVisible()
    await expect(canvas.getByRole('alert')).toHaveTextContent('SERVER_ERROR The token endpoint answered 503 four times')
    await expect(canvas.getByRole('button', { name: 'Sign out' })).toBeEnabled()
    await expect(canvas.queryByRole('button', { name: 'Sign in' })).toBeNull()
  },
}

export const OutageThenBack: Story = {
  name: 'Outage, then signed in again by itself',
  parameters: { auth: { status: 'signedIn', user: { sub: 'alice', name: 'Alice Example' } } },
  play: async ({ canvas, loaded }) => {
    const { client } = loaded as AuthLoaded
    client.fail(new AuthError('NETWORK', 'The authorization server could not be reached.')) // transient, while signed in: an outage
    await expect(await canvas.findByText('Signed in; the sign-in server is not answering, retrying…')).toBeVisible()
    await expect(client.getSnapshot()).toMatchObject({ status: 'outage', user: { name: 'Alice Example' } })
    client.signIn() // the next try of the shared schedule succeeded
    await expect(await canvas.findByText('as Alice Example', { exact: false })).toBeVisible()
    await expect(canvas.queryByRole('alert')).toBeNull()
  },
}

export const ErrorStatus: Story = {
  name: 'Error (no session: DISCOVERY_FAILED)',
  parameters: { auth: { status: 'error' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByText('Sign-in is not available right now')).toBeVisible()
    await expect(canvas.getByRole('alert')).toHaveTextContent('DISCOVERY_FAILED')
    await expect(canvas.getByRole('button', { name: 'Sign in' })).toBeEnabled()
    await expect(canvas.queryByRole('button', { name: 'Sign out' })).toBeNull()
  },
}

export const SessionEndsWhileOpen: Story = {
  name: 'Signed in, then the grant dies',
  parameters: { auth: { status: 'signedIn' } },
  play: async ({ canvas, loaded }) => {
    const { client } = loaded as AuthLoaded
    client.endSession('refresh_token_reused')
    await expect(await canvas.findByRole('alert')).toHaveTextContent('reason: refresh_token_reused')
    await expect(canvas.getByText('Your session ended: sign in again')).toBeVisible()
  },
}
