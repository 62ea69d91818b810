/**
 * `process.env.NODE_ENV`, which tabauth reads (written out at each use, so that after the app's bundler
 * puts the mode in its place the minifier drops what development builds alone need, in every chunk of
 * dist). Declared once here for the library's own build (tsconfig.build.json); everything else that
 * type-checks src (tests, scripts: tsconfig.json) has Node's types, which declare it already.
 */
declare const process: { env: { NODE_ENV?: string } }
