import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect } from 'storybook/test'
import { LoginButton } from 'tabauth'
import type { AuthLoaded } from '../.storybook/preview'

const meta = {
  title: 'Components/LoginButton',
  component: LoginButton,
} satisfies Meta<typeof LoginButton>
export default meta
type Story = StoryObj<typeof meta>

export const Loading: Story = {
  parameters: { auth: { status: 'loading' } },
  play: async ({ canvas, userEvent }) => {
    const button = canvas.getByRole('button', { name: 'Sign in' })
    await expect(button).toBeDisabled()
    await expect(button).toHaveAttribute('aria-busy', 'true')
    await userEvent.tab()
    await expect(button).not.toHaveFocus() // a disabled button is skipped
  },
}

export const SignedOut: Story = {
  parameters: { auth: { status: 'signedOut' } },
  play: async ({ canvas, userEvent, loaded }) => {
    const { client } = loaded as AuthLoaded
    const button = canvas.getByRole('button', { name: 'Sign in' })
    await userEvent.tab()
    await expect(button).toHaveFocus()
    await userEvent.keyboard('{Enter}')
    await expect(client.calls.login).toEqual([[{ returnTo: undefined }]])
    await expect(await canvas.findByRole('button', { name: 'Signing in…' })).toBeDisabled()
  },
}

export const Redirecting: Story = {
  parameters: { auth: { status: 'redirecting' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Signing in…' })).toBeDisabled()
  },
}

export const SignedIn: Story = {
  parameters: { auth: { status: 'signedIn' } },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button')).toBeNull()
  },
}

export const ReloginRequired: Story = {
  parameters: { auth: { status: 'reloginRequired' } },
  play: async ({ canvas, userEvent, loaded }) => {
    const button = canvas.getByRole('button', { name: 'Sign in again' })
    await expect(button).toBeEnabled()
    await userEvent.click(button)
    await expect((loaded as AuthLoaded).client.calls.login).toHaveLength(1)
  },
}

export const Outage: Story = {
  name: 'Outage (the session kept)',
  parameters: { auth: { status: 'outage' } },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button')).toBeNull() // still signed in: the status returns to signedIn by itself
  },
}

export const ErrorStatus: Story = {
  name: 'Error (no session: DISCOVERY_FAILED)',
  parameters: { auth: { status: 'error' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Sign in' })).toBeEnabled()
  },
}

export const CustomLabel: Story = {
  parameters: { auth: { status: 'signedOut' } },
  args: { children: 'Continue with SSO', returnTo: '/orders' },
  play: async ({ canvas, userEvent, loaded }) => {
    await userEvent.click(canvas.getByRole('button', { name: 'Continue with SSO' }))
    await expect((loaded as AuthLoaded).client.calls.login).toEqual([[{ returnTo: '/orders' }]])
  },
}
