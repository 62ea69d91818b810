// Serves the demo app against the library's source (`npm start`, and the e2e tests in dev mode).
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const exampleDir = fileURLToPath(new URL('.', import.meta.url))
const repoRoot = fileURLToPath(new URL('..', import.meta.url))

export default defineConfig({
  root: exampleDir,
  plugins: [react()],
  // `tabauth` is the library's source, so edits show up without a build.
  resolve: {
    alias: [
      { find: /^tabauth$/, replacement: fileURLToPath(new URL('../src/index.ts', import.meta.url)) },
      { find: /^tabauth\/query$/, replacement: fileURLToPath(new URL('../src/query/index.ts', import.meta.url)) },
      { find: /^tabauth\/dpop$/, replacement: fileURLToPath(new URL('../src/dpop/index.ts', import.meta.url)) },
      { find: /^tabauth\/guard$/, replacement: fileURLToPath(new URL('../src/guard/index.ts', import.meta.url)) },
      { find: /^tabauth\/server-texts$/, replacement: fileURLToPath(new URL('../src/server-texts/index.ts', import.meta.url)) },
      { find: /^tabauth\/popup$/, replacement: fileURLToPath(new URL('../src/popup/index.ts', import.meta.url)) },
      { find: /^tabauth\/userinfo$/, replacement: fileURLToPath(new URL('../src/userinfo/index.ts', import.meta.url)) },
    ],
  },
  // Pre-bundle these up front: otherwise Vite discovers them on the first page load and reloads the page.
  optimizeDeps: { include: ['react', 'react-dom', 'react-dom/client', 'oauth4webapi', '@tanstack/react-query'] },
  // The dev server falls back to index.html for unknown paths, so /callback is the app too.
  server: { host: '127.0.0.1', port: 5173, fs: { allow: [repoRoot] } },
})
