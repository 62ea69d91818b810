import type { Preview } from '@storybook/react-vite'
import { AuthProvider } from 'tabauth'
import { createMockAuthClient, type MockAuthClient, type MockAuthClientOptions } from 'tabauth/testing'

/** What a story's play function gets in `loaded`: the mock client it renders from. */
export interface AuthLoaded {
  client: MockAuthClient
}

const preview: Preview = {
  // A fresh mock client per story render, from the story's `parameters.auth`.
  loaders: [({ parameters }): AuthLoaded => ({ client: createMockAuthClient(parameters.auth as MockAuthClientOptions | undefined) })],
  decorators: [
    (Story, { loaded }) => (
      <AuthProvider client={(loaded as AuthLoaded).client}>
        <Story />
      </AuthProvider>
    ),
  ],
  parameters: { layout: 'padded' },
}
export default preview
