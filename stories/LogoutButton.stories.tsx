import type { Meta, StoryObj } from '@storybook/react-vite'
import { expect } from 'storybook/test'
import { LogoutButton } from 'tabauth'
import type { AuthLoaded } from '../.storybook/preview'

const meta = {
  title: 'Components/LogoutButton',
  component: LogoutButton,
} satisfies Meta<typeof LogoutButton>
export default meta
type Story = StoryObj<typeof meta>

export const Loading: Story = {
  parameters: { auth: { status: 'loading' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Sign out' })).toBeDisabled()
  },
}

export const SignedOut: Story = {
  parameters: { auth: { status: 'signedOut' } },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button')).toBeNull()
  },
}

export const Redirecting: Story = {
  parameters: { auth: { status: 'redirecting' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Signing out…' })).toBeDisabled()
  },
}

export const SignedIn: Story = {
  parameters: { auth: { status: 'signedIn' } },
  play: async ({ canvas, userEvent, loaded }) => {
    const { client } = loaded as AuthLoaded
    await userEvent.tab()
    await expect(canvas.getByRole('button', { name: 'Sign out' })).toHaveFocus()
    await userEvent.keyboard(' ')
    await expect(client.calls.logout).toEqual([[{ localOnly: undefined }]])
    await expect(canvas.queryByRole('button')).toBeNull() // signed out in every tab: nothing to sign out of
  },
}

export const ReloginRequired: Story = {
  parameters: { auth: { status: 'reloginRequired' } },
  play: async ({ canvas }) => {
    await expect(canvas.getByRole('button', { name: 'Sign out' })).toBeEnabled()
  },
}

export const Outage: Story = {
  name: 'Outage (the session kept)',
  parameters: { auth: { status: 'outage' } },
  play: async ({ canvas, userEvent, loaded }) => {
    await userEvent.click(canvas.getByRole('button', { name: 'Sign out' }))
    await expect((loaded as AuthLoaded).client.calls.logout).toEqual([[{ localOnly: undefined }]])
  },
}

export const ErrorStatus: Story = {
  name: 'Error (no session: DISCOVERY_FAILED)',
  parameters: { auth: { status: 'error' } },
  play: async ({ canvas }) => {
    await expect(canvas.queryByRole('button')).toBeNull() // a failed sign-in kept no session: nothing to sign out of
  },
}

export const LocalOnly: Story = {
  parameters: { auth: { status: 'signedIn' } },
  args: { localOnly: true, children: 'Sign out of this app only' },
  play: async ({ canvas, userEvent, loaded }) => {
    await userEvent.click(canvas.getByRole('button', { name: 'Sign out of this app only' }))
    await expect((loaded as AuthLoaded).client.calls.logout).toEqual([[{ localOnly: true }]])
  },
}
