// The core's browser adapters in real Chromium, across real tabs of one context:
// IndexedDB session store, Web Locks, BroadcastChannel.
import { afterEach, expect, test } from 'vitest'
import { commands } from 'vitest/browser'
import type {} from './commands'
import { browserChannel, browserLock } from '../../src/core/adapters'
import { memoryOnlyStore } from '../../src/memory-only'
import { indexedDBStore } from '../../src/core/store'
import { counterSteps } from './fixtures/steps'

const opened: string[] = []
afterEach(async () => {
  for (const id of opened.splice(0)) await commands.closeTab(id).catch(() => {})
})

async function openTabs(count: number): Promise<string[]> {
  const ids = []
  for (let i = 0; i < count; i++) {
    const id = await commands.openTab('/test/browser/fixtures/adapters-tab.html')
    await expect.poll(() => commands.evalInTab(id, 'window.adaptersReady === true')).toBe(true)
    opened.push(id)
    ids.push(id)
  }
  return ids
}

test('the IndexedDB store under Web Locks loses no update across 5 tabs', async () => {
  const key = `counter-${crypto.randomUUID()}`
  const ids = await openTabs(4)
  const steps = 40
  await Promise.all([counterSteps(indexedDBStore(), browserLock(), key, steps), ...ids.map((id) => commands.evalInTab(id, `window.adapters.increment(${JSON.stringify(key)}, ${steps})`))])
  const record = (await indexedDBStore().get(key)) as { generation: number }
  expect(record.generation).toBe(5 * steps)
})

test('a tab closed while holding the session lock does not stall the others', async () => {
  const name = `tabauth:${crypto.randomUUID()}`
  const [holder] = await openTabs(1)
  await commands.evalInTab(holder, `window.adapters.hold(${JSON.stringify(name)})`)
  let granted = false
  const waiting = browserLock().run(name, async () => void (granted = true), { signal: AbortSignal.timeout(10_000) })
  await new Promise((resolve) => setTimeout(resolve, 200))
  expect(granted).toBe(false)
  await commands.closeTab(holder)
  opened.splice(opened.indexOf(holder), 1)
  await waiting
  expect(granted).toBe(true)
})

test('the wait for a lock held by a hung tab is bounded', async () => {
  const name = `tabauth:${crypto.randomUUID()}`
  const [holder] = await openTabs(1)
  await commands.evalInTab(holder, `window.adapters.hold(${JSON.stringify(name)})`)
  const error = await browserLock()
    .run(name, async () => 'never', { signal: AbortSignal.timeout(300) })
    .catch((e: unknown) => e)
  expect(error).toBeInstanceOf(DOMException)
  expect((error as DOMException).name).toBe('TimeoutError')
  await commands.evalInTab(holder, 'window.adapters.release()')
})

test('the channel carries a message from another tab, and not back to the sender', async () => {
  const name = `tabauth-test-${crypto.randomUUID()}`
  const [other] = await openTabs(1)
  const received: unknown[] = []
  const channel = browserChannel(name)
  const stop = channel.subscribe((message) => received.push(message))
  channel.post({ from: 'me' })
  await commands.evalInTab(other, `window.adapters.post(${JSON.stringify(name)}, { from: 'other', generation: 7 })`)
  await expect.poll(() => received).toEqual([{ from: 'other', generation: 7 }])
  stop()
})

test('memory-only mode: a tab reads the session another tab holds in memory, and nothing is stored', async () => {
  const key = `memory-${crypto.randomUUID()}`
  const [holder] = await openTabs(1)
  await commands.evalInTab(holder, `window.adapters.rememberInMemory(${JSON.stringify(key)}, 7)`)
  const record = await memoryOnlyStore().get(key)
  expect(record).toEqual({ v: 1, generation: 7, session: null, ended: 'signedOut' })
  expect(await indexedDBStore().get(key)).toBeUndefined()
  expect(Object.keys(localStorage).filter((k) => k.includes(key))).toEqual([])
  expect(Object.keys(sessionStorage).filter((k) => k.includes(key))).toEqual([])
})
