#!/usr/bin/env node
// The README's "Use it in your app", executed (a suite of `npm test`; .test-results/guide.json). A fresh app
// is made of nothing but the section's files (the code blocks whose first line is `// file: PATH` or
// `# file: PATH`) and the two packed tarballs, tabauth and tabauth-dev-provider (dev-provider/). The dev
// provider is started by the section's own command (`npx tabauth-dev-provider --app-origin ...`, run in the
// app's directory, on a free port), the app is built by its own Vite, and Chromium checks:
//  - the steps: /notes behind the guard signs in by itself (one code exchange, StrictMode), shows Alice's
//    notes through fetchJson, a second tab is signed in without a request, "Sign out" signs every tab out
//    with two revocations (refresh and access token) and one end-session request;
//  - the troubleshooting rows it can provoke: an unregistered app origin (the server's error page
//    invalid_redirect_uri), no SPA fallback (the host's 404 at /callback), a wrong client id (invalid_client),
//    a wrong issuer (the alert and its code).
//
//   node scripts/guide-check.js          npm test -- --suite guide
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath } from './lib/chromium.js'
import { freePort } from './lib/free-port.js'
import { pkg, root } from './lib/entries.js'
import { checkSuite, run } from './lib/checks.js'
import { serveStatic } from './lib/static-server.js'

const COMMAND = 'npx tabauth-dev-provider --app-origin http://localhost:3000'

const { check, fail, finish } = checkSuite('guide')

function assert(condition, message) {
  if (!condition) throw new Error(message)
}

/** The section's files: { path: text }, from the code blocks that start with a `file:` comment. */
function guideFiles(readme) {
  const start = readme.indexOf('\n## Use it in your app\n')
  assert(start >= 0, 'README.md has no "## Use it in your app" section')
  const end = readme.indexOf('\n## ', start + 5)
  const section = readme.slice(start, end < 0 ? undefined : end)
  assert(section.includes(COMMAND), `the section does not show the command ${COMMAND}`)
  assert(section.includes('npm install --save-dev tabauth-dev-provider'), 'the section does not say how to install tabauth-dev-provider')
  const files = {}
  for (const [, body] of section.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) {
    const first = /^(?:\/\/|#) file: (\S+)\n/.exec(body)
    if (first) files[first[1]] = body.slice(first[0].length)
  }
  for (const path of ['.env.development', 'src/main.tsx', 'src/App.tsx', 'src/Notes.tsx']) assert(files[path], `the section has no block for ${path}`)
  return { section, files }
}

/** The app as a team makes it: `npm create vite` (react-ts) plus the two packages and the section's files. */
function writeApp(dir, files, tarballs) {
  mkdirSync(join(dir, 'src'), { recursive: true })
  const devVersion = (name) => pkg.devDependencies[name]
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'guide-app',
        private: true,
        type: 'module',
        dependencies: {
          tabauth: `file:${tarballs.tabauth}`,
          react: devVersion('react'),
          'react-dom': devVersion('react-dom'),
          '@tanstack/react-query': devVersion('@tanstack/react-query'),
        },
        devDependencies: {
          'tabauth-dev-provider': `file:${tarballs.devProvider}`,
          vite: devVersion('vite'),
          '@vitejs/plugin-react': devVersion('@vitejs/plugin-react'),
        },
        allowScripts: { esbuild: false },
      },
      null,
      2,
    ),
  )
  writeFileSync(join(dir, 'vite.config.js'), `import react from '@vitejs/plugin-react'\nexport default { plugins: [react()] }\n`)
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html><head><title>guide app</title></head><body><div id="root"></div><script type="module" src="/src/main.tsx"></script></body></html>\n`)
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

/** The section's command for this app's origin, on a free port; resolves when the issuer is printed. */
async function startDevProvider(dir, appOrigins) {
  const port = await freePort()
  const args = COMMAND.split(' ')
    .slice(1)
    .filter((a) => !a.startsWith('--app-origin') && a !== 'http://localhost:3000')
  const child = spawn('npx', [...args, ...appOrigins.flatMap((o) => ['--app-origin', o]), '--port', String(port)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  let err = ''
  child.stderr.on('data', (chunk) => (err += chunk))
  const issuer = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no issuer printed in 30 s:\n${out}\n${err}`)), 30_000)
    child.stdout.on('data', (chunk) => {
      out += chunk
      const line = out.split('\n')[0]
      if (out.includes('\n') && /^http:\/\/127\.0\.0\.1:\d+$/.test(line)) {
        clearTimeout(timer)
        resolve(line)
      }
    })
    child.on('exit', (code) => reject(new Error(`tabauth-dev-provider exited (${code}):\n${out}\n${err}`)))
  })
  await new Promise((resolve) => setTimeout(resolve, 0))
  return {
    issuer,
    output: () => out,
    errors: () => err,
    counts: async () => (await fetch(`${issuer}/__test/counts`)).json(),
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit')
        child.once('exit', resolve)
        process.kill(-child.pid, 'SIGTERM') // npx and the node process it started (its own process group)
      }),
  }
}

function build(dir, outDir, env) {
  // What `npm run dev` serves (.env.development, React's and tabauth's development messages), as static files.
  run(join(dir, 'node_modules/.bin/vite'), ['build', '--mode', 'development', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], dir, { NODE_ENV: 'development', ...env })
}

async function waitForStatus(page, status, timeout = 20_000) {
  await page
    .getByTestId('status')
    .filter({ hasText: new RegExp(`^${status}$`) })
    .waitFor({ timeout })
}

async function waitUntil(what, read, ok, timeout = 10_000) {
  const until = Date.now() + timeout
  let seen
  while (Date.now() < until) {
    seen = await read()
    if (ok(seen)) return seen
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${what}: last seen ${JSON.stringify(seen)}`)
}

const work = mkdtempSync(join(tmpdir(), 'tabauth-guide-'))
let browser
const stops = []
try {
  const { section, files } = guideFiles(readFileSync(join(root, 'README.md'), 'utf8'))
  run('npm', ['run', 'build'], root)
  run('npm', ['pack', '--pack-destination', work], root)
  run('npm', ['pack', '--pack-destination', work], join(root, 'dev-provider'))
  const tarball = (prefix) =>
    join(
      work,
      readdirSync(work).find((name) => name.startsWith(prefix) && name.endsWith('.tgz')),
    )
  const tarballs = { tabauth: tarball('tabauth-0'), devProvider: tarball('tabauth-dev-provider-') }
  const dir = join(work, 'app')
  writeApp(dir, files, tarballs)
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir)
  const clientId = /VITE_CLIENT_ID=(\S+)/.exec(files['.env.development'])[1]
  assert(section.includes(`**\`${clientId}\`**`), `the section does not name the client id ${clientId} of .env.development`)

  const app = await serveStatic(join(dir, 'dist'))
  stops.push(() => app.close())
  const provider = await startDevProvider(dir, [app.url])
  stops.push(() => provider.stop())
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })

  await check('the dev provider started by the documented command prints the issuer and the client, and no "Unsupported runtime"', async () => {
    assert(provider.output().includes(`client_id              ${clientId}`), `it does not name the client ${clientId}:\n${provider.output()}`)
    assert(provider.output().includes(`${app.url}/callback`), `it does not list the redirect URI ${app.url}/callback:\n${provider.output()}`)
    assert(!provider.errors().includes('Unsupported runtime'), `stderr: ${provider.errors()}`)
  })

  // The app of the section, built with only the issuer of this run in place of http://127.0.0.1:9000.
  build(dir, 'dist', { VITE_ISSUER: provider.issuer })

  await check("the guide's app: /notes signs in by itself, shows the notes, a second tab needs no request, sign-out reaches every tab", async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/notes`)
      await waitForStatus(page, 'signedIn')
      await page.getByTestId('notes').getByText("Alice's first note").waitFor({ timeout: 10_000 })
      await page.getByText('Alice Example').waitFor()
      const url = new URL(page.url())
      assert(url.pathname === '/notes' && !url.search, `after sign-in the address is ${page.url()}, not /notes without code or state`)
      let c = await provider.counts()
      assert(c.token.authorization_code.success === 1 && c.token.authorization_code.error === 0, `code exchanges: ${JSON.stringify(c.token.authorization_code)}`)
      assert(c.notes.read >= 1 && c.notes.rejected === 0, `notes: ${JSON.stringify(c.notes)}`)
      // The second tab on the unguarded home page: behind the guard, a signed-out tab goes to the server again.
      const second = await context.newPage()
      await second.goto(`${app.url}/`)
      await waitForStatus(second, 'signedIn')
      await second.getByText('Alice Example').waitFor()
      c = await provider.counts()
      assert(
        c.authorizations === 1 && c.token.authorization_code.success === 1,
        `the second tab made requests: ${c.authorizations} authorizations, ${JSON.stringify(c.token.authorization_code)} code exchanges`,
      )
      await page.getByRole('button', { name: 'Sign out' }).click()
      await waitForStatus(second, 'signedOut')
      await page.waitForURL(`${app.url}/`, { timeout: 20_000 })
      await waitForStatus(page, 'signedOut')
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      c = await waitUntil(
        'two revocations (refresh and access token) and one end-session request',
        () => provider.counts(),
        (n) => n.logouts >= 1,
      )
      assert(c.revocations === 2 && c.logouts === 1, `revocations ${c.revocations}, logouts ${c.logouts}`)
      assert((await page.getByRole('alert').count()) === 0, 'an alert after sign-out')
    } finally {
      await context.close()
    }
  })

  await check("troubleshooting: an app origin not registered leaves the user on the server's error page invalid_redirect_uri", async () => {
    const other = await serveStatic(join(dir, 'dist')) // the same app on an origin the provider was not told about
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${other.url}/notes`)
      await page.waitForURL((url) => url.origin === provider.issuer, { timeout: 20_000 })
      await page.getByRole('heading', { name: 'invalid_redirect_uri' }).waitFor()
      const text = await page.textContent('body')
      assert(text.includes("redirect_uri did not match any of the client's registered redirect_uris"), `the page says: ${text}`)
      const url = new URL(page.url())
      assert(url.pathname === '/auth' && url.searchParams.get('redirect_uri') === `${other.url}/callback`, `the address bar: ${page.url()}`)
    } finally {
      await context.close()
      await other.close()
    }
  })

  await check('troubleshooting: a host without the SPA fallback answers the callback with its own 404, and the app never loads', async () => {
    app.options.fallback = false
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${app.url}/`)
      await waitForStatus(page, 'signedOut')
      const before = await provider.counts()
      const callback = page.waitForResponse((response) => new URL(response.url()).pathname === '/callback', { timeout: 20_000 })
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      const answer = await callback
      assert(answer.status() === 404, `the host answered the callback with HTTP ${answer.status()}`)
      await page.getByRole('heading', { name: 'Not Found' }).waitFor()
      assert((await page.getByTestId('status').count()) === 0, 'the app rendered at /callback')
      const after = await provider.counts()
      assert(after.authorizations - before.authorizations === 1, `authorizations: ${after.authorizations - before.authorizations}`)
      assert(after.token.authorization_code.success + after.token.authorization_code.error === before.token.authorization_code.success + before.token.authorization_code.error, 'a code was exchanged')
      assert(new URL(page.url()).searchParams.get('code'), `the address bar: ${page.url()}`)
    } finally {
      app.options.fallback = true
      await context.close()
    }
  })

  await check("troubleshooting: a wrong client id leaves the user on the server's error page invalid_client", async () => {
    build(dir, 'dist-wrong-client', { VITE_ISSUER: provider.issuer, VITE_CLIENT_ID: 'not-registered' })
    const wrong = await serveStatic(join(dir, 'dist-wrong-client'))
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${wrong.url}/notes`)
      await page.waitForURL((url) => url.origin === provider.issuer, { timeout: 20_000 })
      await page.getByRole('heading', { name: 'invalid_client' }).waitFor()
    } finally {
      await context.close()
      await wrong.close()
    }
  })

  await check('troubleshooting: a wrong issuer shows the guard\'s alert naming the issuer, and "Sign in"', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`
    build(dir, 'dist-wrong-issuer', { VITE_ISSUER: closed })
    const wrong = await serveStatic(join(dir, 'dist-wrong-issuer'))
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(`${wrong.url}/notes`)
      const alert = page.getByRole('alert')
      await alert.waitFor({ timeout: 20_000 })
      const text = await alert.textContent()
      console.log(`     the alert: ${text}; status ${await page.getByTestId('status').textContent()}`)
      assert(text.includes(`Could not reach the issuer ${closed}/ to start the sign-in`) && text.includes('check issuer'), `the alert does not say what the README's row says: ${text}`)
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor()
      assert((await page.getByRole('alert').count()) === 1, 'more than one alert')
    } finally {
      await context.close()
      await wrong.close()
    }
  })
} catch (error) {
  fail(error)
} finally {
  await browser?.close()
  for (const stop of stops.reverse()) await stop().catch(() => {})
  rmSync(work, { recursive: true, force: true })
}

process.exit(finish() > 0 ? 1 : 0)
