import { resolve } from 'node:path'
import { defineConfig } from 'vite'

// Library build: ESM only; React and oauth4webapi stay external (peer and dependency).
// `tabauth/testing` is its own entry: the main entry never imports it (code both use goes to a shared chunk).
export default defineConfig({
  build: {
    lib: {
      entry: { index: resolve(import.meta.dirname, 'src/index.ts'), testing: resolve(import.meta.dirname, 'src/testing/index.ts') },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^react($|\/)/, /^react-dom($|\/)/, 'oauth4webapi'],
    },
    sourcemap: true,
    target: 'es2022',
    emptyOutDir: true,
  },
})
