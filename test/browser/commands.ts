/**
 * Custom vitest browser commands (they run in Node, next to Playwright) that open more real tabs
 * in the test page's browser context. Tabs of one context share BroadcastChannel, Web Locks and
 * IndexedDB with the test page, so a test can run the same code in several tabs at once.
 *
 * In a test:
 *   import { commands } from 'vitest/browser'
 *   const tab = await commands.openTab('/test/browser/fixtures/some-page.html?x=1')
 *   await commands.evalInTab(tab, 'document.title')
 *   await commands.closeTab(tab)
 *
 * The path is resolved against the test server's origin, so the tab is same-origin with the
 * test. Serve a real page: a 404 lands on chrome-error://, a different origin.
 */
import type { Page } from 'playwright-core'
import type { BrowserCommand, BrowserCommandContext } from 'vitest/node'

/** Tabs opened by each test session, by id. */
const tabsBySession = new Map<string, Map<string, Page>>()
let nextId = 1

function tabsOf(ctx: BrowserCommandContext): Map<string, Page> {
  let tabs = tabsBySession.get(ctx.sessionId)
  if (!tabs) {
    tabs = new Map()
    tabsBySession.set(ctx.sessionId, tabs)
  }
  return tabs
}

function tabById(ctx: BrowserCommandContext, id: string): Page {
  const tab = tabsOf(ctx).get(id)
  if (!tab) throw new Error(`No open tab with id ${JSON.stringify(id)}`)
  return tab
}

/** Opens a same-origin page in a new tab of the test's browser context; resolves to the tab id once it has loaded. */
const openTab: BrowserCommand<[path: string]> = async (ctx, path) => {
  const url = new URL(path, ctx.page.url())
  const origin = new URL(ctx.page.url()).origin
  if (url.origin !== origin) throw new Error(`openTab: ${url.href} is not on the test origin ${origin}`)
  const tab = await ctx.context.newPage()
  const response = await tab.goto(url.href, { waitUntil: 'load' })
  if (!response || !response.ok()) {
    const status = response?.status()
    await tab.close()
    throw new Error(`openTab: ${url.href} answered ${status ?? 'nothing'}`)
  }
  const id = `tab-${nextId++}`
  tabsOf(ctx).set(id, tab)
  tab.on('close', () => tabsOf(ctx).delete(id))
  return id
}

/** Closes a tab opened with openTab (releasing its Web Locks, as a user closing it would). */
const closeTab: BrowserCommand<[id: string]> = async (ctx, id) => {
  const tab = tabById(ctx, id)
  tabsOf(ctx).delete(id)
  await tab.close({ runBeforeUnload: false })
}

/** Evaluates a JavaScript expression (awaited if it is a promise) in a tab; resolves to its JSON-serialisable value. */
const evalInTab: BrowserCommand<[id: string, expression: string]> = async (ctx, id, expression) => {
  return tabById(ctx, id).evaluate(expression)
}

export const browserCommands = { openTab, closeTab, evalInTab }

declare module 'vitest/browser' {
  interface BrowserCommands {
    openTab: (path: string) => Promise<string>
    closeTab: (id: string) => Promise<void>
    evalInTab: <T = unknown>(id: string, expression: string) => Promise<T>
  }
}
