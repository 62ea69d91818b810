// ESLint flat config: typescript-eslint's recommended rules and React's hooks rules, 0 warnings in CI
// (`npm run lint`). Formatting is Prettier's (`.prettierrc.json`), never a lint rule.
import js from '@eslint/js'
import reactHooks from 'eslint-plugin-react-hooks'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'storybook-static/', 'node_modules/', 'test/react18/node_modules/', '.test-results/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // TypeScript resolves names (browser, Node and page globals alike); ESLint's own check only guesses.
      'no-undef': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Where React code lives: elsewhere `use` is an IndexedDB callback or a Playwright fixture, not a hook.
    files: [
      'src/react/**/*.{ts,tsx}',
      'src/query/**/*.{ts,tsx}',
      'src/testing/**/*.{ts,tsx}',
      'stories/**/*.{ts,tsx}',
      'example/**/*.{ts,tsx}',
      'test/react/**/*.{ts,tsx}',
      '.storybook/**/*.{ts,tsx}',
    ],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
)
