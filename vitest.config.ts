import { fileURLToPath } from 'node:url'
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin'
import react from '@vitejs/plugin-react'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'
import { browserCommands } from './test/browser/commands.ts'
import { chromiumArgs, chromiumPath } from './test/chromium.ts'

const root = fileURLToPath(new URL('.', import.meta.url))
// The package's entries import each other by name (`tabauth/testing` imports `tabauth`): here, the source.
const self = [{ find: /^tabauth$/, replacement: fileURLToPath(new URL('src/index.ts', import.meta.url)) }]
// React 18.3, installed beside the root's React 19 by the test/react18 workspace.
const react18 = fileURLToPath(new URL('test/react18/node_modules/', import.meta.url))

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: self },
        test: {
          name: 'unit',
          root,
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [react()],
        resolve: { alias: self },
        test: {
          name: 'react',
          root,
          include: ['test/react/**/*.test.tsx'],
          environment: 'jsdom',
          env: { REACT_MAJOR: '19' },
        },
      },
      {
        // The same React tests against React 18.3 (the oldest React the peer range allows).
        plugins: [react()],
        resolve: {
          alias: [
            ...self,
            { find: /^(react|react-dom)(\/.*)?$/, replacement: `${react18}$1$2` },
            // Its ES build, so that its own `react` imports go through the alias above (its CommonJS build would require React 19).
            { find: /^@testing-library\/react$/, replacement: fileURLToPath(new URL('node_modules/@testing-library/react/dist/@testing-library/react.esm.js', import.meta.url)) },
          ],
        },
        test: {
          name: 'react18',
          root,
          include: ['test/react/**/*.test.tsx'],
          environment: 'jsdom',
          env: { REACT_MAJOR: '18' },
          server: { deps: { inline: [/@testing-library\/react/] } },
        },
      },
      {
        // Test-time dependencies must be pre-bundled up front, or Vite reloads the page mid-run.
        optimizeDeps: { include: ['oauth4webapi'] },
        test: {
          name: 'browser',
          root,
          include: ['test/browser/**/*.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            // A fresh provider object per project (they hold per-project state).
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
            commands: browserCommands,
          },
        },
      },
      {
        // Every story's play function, as a test in real Chromium (stories render from the mock client).
        plugins: [storybookTest({ configDir: `${root}.storybook` })],
        test: {
          name: 'storybook',
          root,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
      {
        test: {
          name: 'e2e',
          root,
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/setup.ts'],
          // Each file drives its own browser against one shared provider and app server.
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
