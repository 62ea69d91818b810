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
    // Every entry `tabauth/<name>` is src/<name>/index.ts (package.json `exports`), so a new entry needs no line here.
    alias: [
      { find: /^tabauth$/, replacement: fileURLToPath(new URL('../src/index.ts', import.meta.url)) },
      { find: /^tabauth\/([\w-]+)$/, replacement: `${fileURLToPath(new URL('../src/', import.meta.url))}$1/index.ts` },
    ],
  },
  // Pre-bundle these up front: otherwise Vite discovers them on the first page load and reloads the page.
  optimizeDeps: { include: ['react', 'react-dom', 'react-dom/client', 'oauth4webapi', '@tanstack/react-query'] },
  // The dev server falls back to index.html for unknown paths, so /callback is the app too.
  server: { host: '127.0.0.1', port: 5173, fs: { allow: [repoRoot] } },
})
