// Proves the browser rig: real extra tabs (commands.openTab) share BroadcastChannel and Web Locks
// with the test page, and closing a tab releases its locks.
import { afterEach, expect, test } from 'vitest'
import { commands } from 'vitest/browser'
import type {} from './commands'

type RigMessage = { type: string; name?: string; tab: string }

const opened: string[] = []
const channels: BroadcastChannel[] = []

afterEach(async () => {
  for (const channel of channels.splice(0)) channel.close()
  for (const id of opened.splice(0)) await commands.closeTab(id).catch(() => {})
})

function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID()}`
}

function openChannel(name: string): BroadcastChannel {
  const channel = new BroadcastChannel(name)
  channels.push(channel)
  return channel
}

function nextMessage(channel: BroadcastChannel, match: Partial<RigMessage>, timeoutMs = 5000): Promise<RigMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.removeEventListener('message', onMessage)
      reject(new Error(`no ${JSON.stringify(match)} message within ${timeoutMs} ms`))
    }, timeoutMs)
    function onMessage(event: MessageEvent) {
      const data = event.data as RigMessage
      if (Object.entries(match).every(([key, value]) => data[key as keyof RigMessage] === value)) {
        clearTimeout(timer)
        channel.removeEventListener('message', onMessage)
        resolve(data)
      }
    }
    channel.addEventListener('message', onMessage)
  })
}

async function openRigTab(channelName: string, tab: string): Promise<string> {
  const channel = openChannel(channelName)
  const hello = nextMessage(channel, { type: 'hello', tab })
  const id = await commands.openTab(`/test/browser/fixtures/rig-tab.html?channel=${channelName}&tab=${tab}`)
  opened.push(id)
  await hello
  return id
}

async function isPending(lockName: string): Promise<boolean> {
  const state = await navigator.locks.query()
  return (state.pending ?? []).some((lock) => lock.name === lockName)
}

test('a second tab is a real same-origin tab that answers over BroadcastChannel', async () => {
  const channelName = uniqueName('rig')
  const id = await openRigTab(channelName, 'a')
  expect(await commands.evalInTab(id, 'location.origin')).toBe(location.origin)
  expect(await commands.evalInTab(id, 'window.rigReady')).toBe(true)
  // It is another document: its globals are not ours.
  expect((window as unknown as { rigReady?: boolean }).rigReady).toBeUndefined()
})

test('a Web Lock held by another tab makes the test page wait until that tab releases it', async () => {
  const channelName = uniqueName('rig')
  const lockName = uniqueName('rig-lock')
  await openRigTab(channelName, 'a')
  const channel = openChannel(channelName)

  const locked = nextMessage(channel, { type: 'locked', name: lockName, tab: 'a' })
  channel.postMessage({ type: 'lock', name: lockName, to: 'a' })
  await locked

  // Contended: not available now, and the lock manager sees it held.
  const attempt = await navigator.locks.request(lockName, { ifAvailable: true }, (lock) => lock !== null)
  expect(attempt).toBe(false)
  expect((await navigator.locks.query()).held?.map((lock) => lock.name)).toContain(lockName)

  let granted = false
  const waiting = navigator.locks.request(lockName, { signal: AbortSignal.timeout(5000) }, () => {
    granted = true
  })
  await expect.poll(() => isPending(lockName)).toBe(true)
  expect(granted).toBe(false)

  channel.postMessage({ type: 'release', name: lockName, to: 'a' })
  await waiting
  expect(granted).toBe(true)
})

test('closing a tab releases the Web Lock it held', async () => {
  const channelName = uniqueName('rig')
  const lockName = uniqueName('rig-lock')
  const id = await openRigTab(channelName, 'b')
  const channel = openChannel(channelName)

  const locked = nextMessage(channel, { type: 'locked', name: lockName, tab: 'b' })
  channel.postMessage({ type: 'lock', name: lockName, to: 'b' })
  await locked

  let granted = false
  const waiting = navigator.locks.request(lockName, { signal: AbortSignal.timeout(5000) }, () => {
    granted = true
  })
  await expect.poll(() => isPending(lockName)).toBe(true)
  expect(granted).toBe(false)

  await commands.closeTab(id)
  opened.splice(opened.indexOf(id), 1)
  await waiting
  expect(granted).toBe(true)
})
