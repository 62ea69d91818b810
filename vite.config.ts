import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { devMessagesPlugin } from './scripts/lib/dev-messages.js'
import { entries, externals } from './scripts/lib/entries.js'

// Library build: ESM only, one entry per package.json `exports` subpath; dependencies and peers stay external.
export default defineConfig({
  plugins: [devMessagesPlugin()],
  build: {
    lib: {
      entry: Object.fromEntries(entries.map(({ dist, source }) => [dist.replace(/^dist\//, '').replace(/\.js$/, ''), resolve(import.meta.dirname, source)])),
      formats: ['es'],
    },
    rollupOptions: { external: externals },
    sourcemap: true,
    target: 'es2022',
    emptyOutDir: true,
  },
})
