// WebKit driver: WebKitGTK's MiniBrowser through WebKitWebDriver (W3C WebDriver over HTTP, plain
// fetch), under xvfb-run (MiniBrowser has no headless mode). A profile is one WebDriver session
// (a fresh, ephemeral MiniBrowser); tabs are its windows. The driver runs one command at a time,
// so commands are queued and each switches to its window first. WebDriver cannot pause a page.
import { spawn } from 'node:child_process'
import { freePort } from '../../scripts/lib/free-port.js'
import { sleep } from './engine.js'

export const webkitDriverPath = process.env.WEBKIT_DRIVER_PATH || 'WebKitWebDriver'
export const miniBrowserPath = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'

export const pause = 'WebDriver has no debugger and WebKitGTK offers no other way to stop a page’s JavaScript'

export async function launch() {
  // WebKitWebDriver needs a port number: ask the OS for a free one.
  const port = await freePort()
  const driver = spawn('xvfb-run', ['-a', webkitDriverPath, `--port=${port}`], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  let exited = false
  driver.on('exit', () => (exited = true))
  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (exited) throw new Error(`${webkitDriverPath} exited at start (is webkit2gtk-driver installed, with xvfb and xauth?)`)
    if (
      await fetch(`${base}/status`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break
    if (Date.now() > deadline) throw new Error(`${webkitDriverPath} did not answer on port ${port}`)
    await sleep(100)
  }
  const capabilities = { alwaysMatch: { 'webkitgtk:browserOptions': { binary: miniBrowserPath, args: ['--automation'] } } }
  let version = 'WebKitGTK'
  return {
    name: 'webkit',
    get version() {
      return version
    },
    pause,
    async newProfile() {
      const created = await command(base, 'POST', '/session', { capabilities })
      version = `WebKitGTK ${created.capabilities.browserVersion}`
      const session = new Session(`${base}/session/${created.sessionId}`)
      let first = (await session.send('GET', '/window/handles'))[0]
      return {
        async newTab(url) {
          const handle = first ?? (await session.send('POST', '/window/new', { type: 'window' })).handle
          first = undefined
          const tab = session.tab(handle)
          await tab.goto(url)
          return tab
        },
        close: () => session.send('DELETE', ''),
      }
    },
    async close() {
      try {
        process.kill(-driver.pid, 'SIGTERM')
      } catch {
        // The driver's process group is already gone.
      }
    },
  }
}

class Session {
  constructor(url) {
    this.url = url
    this.queue = Promise.resolve()
    this.current = undefined
  }
  /** One command at a time, in order. */
  send(method, path, body) {
    const run = this.queue.then(() => command(this.url, method, path, body))
    this.queue = run.catch(() => {})
    return run
  }
  /** Switches to `handle` (when it is not current) and sends the command, as one queued step. */
  inWindow(handle, method, path, body) {
    const run = this.queue.then(async () => {
      if (this.current !== handle) {
        await command(this.url, 'POST', '/window', { handle })
        this.current = handle
      }
      return command(this.url, method, path, body)
    })
    this.queue = run.catch(() => {})
    return run
  }
  tab(handle) {
    return {
      goto: (url) => this.inWindow(handle, 'POST', '/url', { url }).then(() => {}),
      evaluate: async (fn, arg) => {
        const script = `const [arg, done] = arguments; Promise.resolve().then(() => (${fn})(arg)).then((value) => done({ value }), (error) => done({ error: String((error && error.stack) || error) }))`
        const result = await this.inWindow(handle, 'POST', '/execute/async', { script, args: [arg ?? null] })
        if (result && 'error' in result) throw new Error(result.error)
        return result?.value ?? undefined
      },
      close: async () => {
        await this.inWindow(handle, 'DELETE', '/window')
        this.current = undefined
      },
    }
  }
}

/**
 * Every command is bounded: a command here answers in milliseconds, at most a few seconds under load
 * (a navigation); seen once on a loaded machine, an evaluate that never answered held the rig for
 * 3 minutes. Its error reads like WebKit's own "page crash or hang", which the runner retries once.
 */
const COMMAND_TIMEOUT_MS = 60_000

async function command(base, method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
  }).catch((error) => {
    if (error.name !== 'TimeoutError') throw error
    throw new Error(`WebDriver ${method} ${path}: no answer in ${COMMAND_TIMEOUT_MS / 1000} s (WebKit hangs)`)
  })
  const json = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error ?? response.status} ${json.value?.message ?? ''}`)
  return json.value
}
