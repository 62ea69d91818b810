/**
 * The build mode, the one place tabauth reads it. Bundlers (Vite, esbuild, webpack, Rollup with
 * replace) put the mode in place of `process.env.NODE_ENV`, as for React; tabauth's production
 * messages and hints then fold away. Read when this module loads, like React's own check.
 */
declare const process: { env: { NODE_ENV?: string } }

export const DEVELOPMENT = process.env.NODE_ENV !== 'production'
