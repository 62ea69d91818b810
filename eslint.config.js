// ESLint flat config: JavaScript's and typescript-eslint's recommended rules everywhere, React's
// hook rules where React code lives. Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import { defineConfig, globalIgnores } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig([
  // What .prettierignore skips too: build output, run artefacts and generated fixtures (node_modules is ESLint's default).
  globalIgnores([
    '**/dist/',
    'storybook-static/',
    'coverage/',
    '.test-results/',
    'bench-results/',
    '**/__screenshots__/',
    '.vitest-attachments/',
    '**/fixtures/generated/',
    '**/*.generated.*',
    'test/unit/fixtures/release-*/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // The JavaScript files are Node scripts whose page.evaluate callbacks run in a browser: both sets of names.
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // A `let` that callbacks read before its one assignment (e.g. `resumedAt` in test/e2e/refusals.test.ts)
      // cannot become a `const` declared at that assignment: the callbacks would throw (temporal dead zone).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'],
    // TypeScript itself reports unknown names (with the right lib and types); ESLint's own check knows no types.
    rules: { 'no-undef': 'off' },
  },
  {
    // React code. Not test fixtures or the Playwright/IndexedDB helpers, where a function named `use...` is no hook.
    files: ['src/react/**', 'src/guard/**', 'src/query/**', 'src/testing/**', 'example/**', 'stories/**', 'test/react/**', '.storybook/**', 'scripts/first-render/**'],
    ignores: ['**/fixtures/**'],
    ...reactHooks.configs.flat.recommended,
  },
])
