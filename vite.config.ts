import { resolve } from 'node:path'
import { defineConfig } from 'vite'

// Library build: ESM only; React, TanStack Query and oauth4webapi stay external (peers and dependency).
// `query` is its own entry (tabauth/query): the main entry never imports TanStack Query.
export default defineConfig({
  build: {
    lib: {
      entry: { index: resolve(import.meta.dirname, 'src/index.ts'), query: resolve(import.meta.dirname, 'src/query/index.ts') },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^react($|\/)/, /^react-dom($|\/)/, /^@tanstack\//, 'oauth4webapi'],
    },
    sourcemap: true,
    target: 'es2022',
    emptyOutDir: true,
  },
})
