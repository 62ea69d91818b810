import { fileURLToPath } from 'node:url'
import type { StorybookConfig } from '@storybook/react-vite'

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url))

// Stories render from the mock client (tabauth/testing): no server, no network.
const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.tsx'],
  addons: ['@storybook/addon-vitest'],
  framework: { name: '@storybook/react-vite', options: { strictMode: true } },
  // Offline: no telemetry, no "what's new" or version look-ups.
  core: { disableTelemetry: true, disableWhatsNewNotifications: true, enableCrashReports: false },
  typescript: { reactDocgen: false },
  // Stories import `tabauth` and `tabauth/testing` as an app would; here they are the source.
  viteFinal: (vite) => ({
    ...vite,
    resolve: {
      ...vite.resolve,
      alias: [
        { find: /^tabauth\/testing$/, replacement: src('testing/index.ts') },
        { find: /^tabauth\/guard$/, replacement: src('guard/index.ts') },
        { find: /^tabauth$/, replacement: src('index.ts') },
      ],
    },
  }),
}
export default config
