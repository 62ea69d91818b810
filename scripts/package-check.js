#!/usr/bin/env node
// The package a user installs (a suite of `npm test`; .test-results/package.json). For the tarball
// `npm pack` makes, and for every entry in package.json `exports`:
//  - publint and `attw --profile esm-only` (types under bundler, node16 and nodenext) are clean;
//  - installed into a fresh Vite + React + TanStack Query app (one with React 18.3, one with React 19),
//    built with that app's own toolchain, loaded in Chromium, it signs in against the dev provider.
// Installs use `npm install --prefer-offline` into a temporary directory that is removed afterwards.
//
//   node scripts/package-check.js          npm test -- --suite package
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath } from './lib/chromium.js'
import { entries, pkg, root } from './lib/entries.js'
import { checkSuite, run } from './lib/checks.js'
import { serveStatic } from './lib/static-server.js'
import { CLIENT_ID, TEST_USER, startProvider } from './provider.js'

/** The apps a user might have: the oldest React the peer range allows, and the newest. */
const APPS = [
  { name: 'React 18.3', react: '18.3.1' },
  { name: 'React 19', react: '19.3.1' },
]
const devVersion = (name) => pkg.devDependencies[name]

const { check, fail, finish } = checkSuite('package')

function lint(tarball) {
  const bin = (name) => join(root, 'node_modules', '.bin', name)
  // publint reads the packed files from the tarball; any message (error, warning, suggestion) fails.
  const publint = spawnSync(bin('publint'), ['run', tarball, '--strict'], { cwd: root, encoding: 'utf8' })
  if (publint.status !== 0 || !/All good/.test(publint.stdout)) throw new Error(`publint:\n${publint.stdout}${publint.stderr}`)
  const attw = spawnSync(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], { cwd: root, encoding: 'utf8' })
  const report = JSON.parse(attw.stdout)
  const checked = Object.keys(report.analysis.entrypoints)
  const missing = entries.map((e) => e.subpath).filter((subpath) => !checked.includes(subpath))
  if (missing.length) throw new Error(`attw did not check ${missing.join(', ')}`)
  if (attw.status !== 0) throw new Error(`attw --profile esm-only:\n${JSON.stringify(report.problems, null, 2)}`)
}

/** A minimal app as a user writes it: every entry imported, TanStack Query fetching with the token. */
function writeApp(dir, tarball, react) {
  mkdirSync(join(dir, 'src'), { recursive: true })
  const app = {
    name: 'tabauth-user-app',
    private: true,
    type: 'module',
    dependencies: {
      tabauth: `file:${tarball}`,
      react,
      'react-dom': react,
      '@tanstack/react-query': devVersion('@tanstack/react-query'),
    },
    devDependencies: { vite: devVersion('vite'), '@vitejs/plugin-react': devVersion('@vitejs/plugin-react') },
    allowScripts: { esbuild: false },
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(app, null, 2))
  writeFileSync(join(dir, 'vite.config.js'), `import react from '@vitejs/plugin-react'\nexport default { plugins: [react()] }\n`)
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html><body><div id="root"></div><script type="module" src="/src/main.jsx"></script></body></html>\n`)
  const otherEntries = entries
    .filter((e) => e.subpath !== '.')
    .map((e, i) => `import * as entry${i} from '${e.name}'\n`)
    .join('')
  const entryCount =
    entries
      .filter((e) => e.subpath !== '.')
      .map((_, i) => `Object.keys(entry${i}).length`)
      .join(' + ') || '0'
  writeFileSync(
    join(dir, 'src/main.jsx'),
    `import { StrictMode, version } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query'
import { AuthProvider, LoginButton, useAuth, useGetToken } from 'tabauth'
${otherEntries}
const queryClient = new QueryClient()
const issuer = import.meta.env.VITE_ISSUER

function Userinfo() {
  const getToken = useGetToken()
  const { data } = useQuery({
    queryKey: ['userinfo'],
    queryFn: async () => {
      const metadata = await (await fetch(issuer + '/.well-known/openid-configuration')).json()
      const response = await fetch(metadata.userinfo_endpoint, { headers: { Authorization: 'Bearer ' + (await getToken()) } })
      return (await response.json()).name
    },
  })
  return <p data-testid="userinfo">{data ?? ''}</p>
}

function App() {
  const { status } = useAuth()
  return (
    <main data-react={version} data-entries={${entryCount}}>
      <p data-testid="status">{status}</p>
      {status === 'signedIn' ? <Userinfo /> : <LoginButton />}
    </main>
  )
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <AuthProvider issuer={issuer} clientId="${CLIENT_ID}" scope="openid profile offline_access">
        <App />
      </AuthProvider>
    </QueryClientProvider>
  </StrictMode>,
)
`,
  )
}

async function signIn(browser, url, react) {
  const page = await browser.newPage()
  try {
    await page.goto(url)
    await page.getByTestId('status').filter({ hasText: 'signedOut' }).waitFor({ timeout: 20_000 })
    const shown = await page.locator('main').getAttribute('data-react')
    if (shown !== react) throw new Error(`the app runs React ${shown}, not ${react}`)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByTestId('status').filter({ hasText: 'signedIn' }).waitFor({ timeout: 20_000 })
    await page.getByTestId('userinfo').filter({ hasText: TEST_USER.name }).waitFor({ timeout: 10_000 })
  } finally {
    await page.close()
  }
}

const work = mkdtempSync(join(tmpdir(), 'tabauth-package-'))
let browser
try {
  run('npm', ['run', 'build'], root)
  run('npm', ['pack', '--pack-destination', work], root)
  const tarball = join(
    work,
    readdirSync(work).find((name) => name.endsWith('.tgz')),
  )
  await check(`publint and attw --profile esm-only are clean for ${entries.map((e) => e.name).join(', ')}`, () => lint(tarball))

  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  for (const { name, react } of APPS) {
    await check(`installed into a Vite app with ${name}, built, it signs in in Chromium`, async () => {
      const dir = join(work, `app-${react}`)
      writeApp(dir, tarball, react)
      const server = await serveStatic(join(dir, 'dist'))
      const provider = await startProvider({ port: 0, host: '127.0.0.1', appOrigins: [server.url], quiet: true })
      try {
        run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], dir)
        run(join(dir, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], dir, { VITE_ISSUER: provider.issuer })
        await signIn(browser, server.url, react)
      } finally {
        await provider.close()
        await server.close()
      }
    })
  }
} catch (error) {
  fail(error)
} finally {
  await browser?.close()
  rmSync(work, { recursive: true, force: true })
}

finish()
