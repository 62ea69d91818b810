import { describe, expect, it } from 'vitest'
import { memoryOnlyStore } from '../../src/memory-only'
import { channelHub, CLIENT_ID, countListeners, fakeClock, ISSUER, signIn, tabs } from './fakes'

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setTimeout(resolve, 1))
}

/** Tabs whose only copies of the session are in their own memory, shared over a channel. */
function memoryTabs() {
  const env = tabs()
  const memoryHub = channelHub()
  const ownStore = () => ({ store: memoryOnlyStore({ channel: memoryHub.endpoint(), answerWaitMs: 5 }) })
  const open = () => env.open(ownStore())
  return { env, open, signIn: () => signIn(env, open(), ownStore()) }
}

describe('memory-only mode', () => {
  it('a new tab gets the session from an open tab, with no request', async () => {
    const { env, open, signIn } = memoryTabs()
    const first = await signIn()
    const before = { ...env.server.requests }
    const tab = open()
    await tab.client.start()
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { name: 'Alice Example' } })
    expect(env.server.requests).toEqual(before)
    void first
  })

  it('three tabs asking at once after expiry make one refresh, and all adopt it', async () => {
    const { env, open, signIn } = memoryTabs()
    const first = await signIn()
    const others = [open(), open()]
    for (const tab of others) await tab.client.start()
    env.clock.advance(300_000)
    const all = [first, ...others]
    const tokens = await Promise.all(all.map((tab) => tab.client.getAccessToken()))
    expect(env.server.requests.refresh_token).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    await settle()
    for (const tab of all) expect(tab.client.getSnapshot()).toMatchObject({ accessToken: tokens[0], generation: 2 })
  })

  it('with no other tab open there is no session', async () => {
    const { signIn } = memoryTabs()
    const first = await signIn()
    first.client.dispose()
    const alone = memoryTabs().open()
    await alone.client.start()
    expect(alone.client.getSnapshot()).toEqual({ status: 'signedOut' })
  })

  it('ignores foreign messages on its channel', async () => {
    const env = tabs()
    const hub = channelHub()
    const store = memoryOnlyStore({ channel: hub.endpoint(), answerWaitMs: 1 })
    for (const message of [null, 'x', { tabauth: 1, type: 'record', key: 'k', record: { v: 9 } }, { tabauth: 1, type: 'record', key: 'k', record: 'nope' }]) hub.inject(message)
    expect(await store.get('k')).toBeUndefined()
    void env
  })
})

describe('memory-only mode cleans up (issue 18)', () => {
  it("listens while a client is subscribed: made but unused, nothing; after the client's dispose(), nothing, and no answer to other tabs", async () => {
    const env = tabs()
    const hub = channelHub()
    const channel = countListeners(hub.endpoint())
    const store = memoryOnlyStore({ channel, answerWaitMs: 5 })
    expect(channel.listening).toBe(0)
    const tab = await signIn(env, env.open({ store }), { store })
    expect(channel.listening).toBe(1)
    const newTab = () => memoryOnlyStore({ channel: hub.endpoint(), answerWaitMs: 5 }).get(`${ISSUER} ${CLIENT_ID}`)
    expect(await newTab()).toMatchObject({ generation: 1 })
    tab.client.dispose()
    expect(channel.listening).toBe(0)
    expect(await newTab()).toBeUndefined()
  })

  it('written to with no client (a store used on its own), it answers the other tabs', async () => {
    const hub = channelHub()
    const store = memoryOnlyStore({ channel: hub.endpoint(), answerWaitMs: 5 })
    await store.set('k', { v: 1, generation: 3, session: null })
    expect(await memoryOnlyStore({ channel: hub.endpoint(), answerWaitMs: 5 }).get('k')).toMatchObject({ generation: 3 })
  })

  it('waits for the answers on its clock, with no real time passing, and leaves no timer armed', async () => {
    const clock = fakeClock()
    let armed = 0
    const store = memoryOnlyStore({
      channel: channelHub().endpoint(),
      answerWaitMs: 60_000,
      clock: { now: clock.now, setTimeout: (fn, ms) => (armed++, clock.setTimeout(() => (armed--, fn()), ms)) },
    })
    let read: unknown = 'waiting'
    const reading = store.get('k').then((record) => (read = record))
    await new Promise((resolve) => setTimeout(resolve, 1))
    expect([read, armed]).toEqual(['waiting', 1])
    clock.advance(60_000)
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 100))])
    expect([read, armed]).toEqual([undefined, 0])
  })
})
