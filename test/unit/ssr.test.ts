import { readFileSync } from 'node:fs'
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { afterEach, describe, expect, it, vi } from 'vitest'

const BROWSER_APIS = ['window', 'document', 'location', 'history', 'navigator', 'localStorage', 'sessionStorage', 'indexedDB', 'BroadcastChannel', 'addEventListener']
/** Every entry's source, from package.json `exports` (dist/x.js is built from src/x.ts). */
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
const sources = Object.values(pkg.exports as Record<string, { import?: string }>).flatMap((target) =>
  target.import ? [target.import.replace(/^\.\/dist\//, '../../src/').replace(/\.js$/, '.ts')] : [],
)

/** Replaces the browser globals with getters that record every read, for the duration of `fn`. */
async function watchingBrowserApis(fn: () => Promise<void>): Promise<string[]> {
  const touched: string[] = []
  const saved = BROWSER_APIS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const)
  for (const name of BROWSER_APIS) {
    // Reads by dependencies at load, with no effect: oauth4webapi's navigator.userAgent (its User-Agent
    // header) and TanStack Query's `typeof window` (its isServer flag).
    const get = () => void (/node_modules\/(oauth4webapi|@tanstack)\//.test(new Error().stack ?? '') || touched.push(name))
    Object.defineProperty(globalThis, name, { configurable: true, get })
  }
  try {
    await fn()
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor)
      else delete (globalThis as Record<string, unknown>)[name]
    }
  }
  return touched
}

afterEach(() => vi.resetModules())

describe('on a server', () => {
  it('the package says it has no side effects (bundlers drop what an app does not use)', () => {
    expect(pkg.sideEffects).toBe(false)
  })

  it.each(sources)('importing %s touches no browser API', async (source) => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined')
    const touched = await watchingBrowserApis(async () => {
      const module = await import(/* @vite-ignore */ source)
      expect(Object.keys(module).length).toBeGreaterThan(0)
    })
    expect(touched).toEqual([])
  })

  it('renders without touching window, showing loading', async () => {
    const { AuthProvider, LoginButton, useAuth } = await import('../../src')
    function Status() {
      return createElement('p', null, useAuth().status)
    }
    const html = renderToString(createElement(AuthProvider, { issuer: 'https://id.example.test', clientId: 'spa' }, createElement(Status), createElement(LoginButton)))
    expect(html).toContain('<p>loading</p>')
    expect(html).toMatch(/<button[^>]*disabled[^>]*>Sign in<\/button>/)
  })
})
