// The first-render hint (`tabauth/hint`, src/hint/index.ts): a new tab of a signed-in app shows signedIn before the
// store is read, the hint never holds a token or a protocol claim, and the store's read wins.
// The e2e check in Chromium is in test/e2e/login.test.ts; the figure is `npm run bench`'s first render.
import { describe, expect, it } from 'vitest'
import { AuthError, createAuthClient, memoryStore, type KeyValueStorage, type SessionStore } from '../../src'
import { firstRenderHint } from '../../src/hint'
import { memoryOnlyStore } from '../../src/memory-only'
import { APP, memoryKeyValue, signIn, tabs } from './fakes'

const HINT = 'tabauth:hint:https://id.example.test spa'

/** A view of `store` whose reads wait until `release()`: the slow IndexedDB open of a new tab. */
function gated(store: SessionStore) {
  let release!: () => void
  const open = new Promise<void>((resolve) => (release = resolve))
  return { store: { ...store, get: async (key: string) => (await open, store.get(key)) }, release }
}

/** The config of an app that asked for the hint, kept in `storage`. */
const hinted = (storage: KeyValueStorage) => ({ hint: firstRenderHint({ storage }) })

async function signedIn() {
  const env = tabs()
  const hintStorage = memoryKeyValue()
  const config = hinted(hintStorage)
  const tab = await signIn(env, env.open(config), config)
  return { env, hintStorage, tab }
}

describe('first-render hint', () => {
  it("beside memory-only mode: a CONFIG error when the client is made, and nothing in the hint's storage", () => {
    const storage = memoryKeyValue()
    const make = () => createAuthClient({ issuer: 'https://id.example.test', clientId: 'spa', store: memoryOnlyStore(), hint: firstRenderHint({ storage }) })
    expect(make).toThrow(AuthError)
    expect(make).toThrow(/memory-only mode keeps nothing at rest/)
    expect(storage.get(HINT)).toBeNull()
  })

  it('a new tab is signedIn before the store is read, without a token; the read adds the token and changes nothing else', async () => {
    const { env, hintStorage, tab } = await signedIn()
    const { accessToken, ...shown } = tab.client.getSnapshot() as { accessToken: string }
    const slow = gated(env.store)
    const other = env.open({ ...hinted(hintStorage), store: slow.store })
    const first = other.client.getSnapshot()
    expect(first).toEqual({ ...shown, user: { sub: 'alice', name: 'Alice Example' } }) // before start(): no loading frame
    let token: string | undefined
    const asked = other.client.getAccessToken().then((t) => (token = t))
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(token).toBeUndefined() // a token for a request comes from the store only
    slow.release()
    await asked
    expect(token).toBe(accessToken)
    expect(other.client.getSnapshot()).toMatchObject({ ...first, accessToken })
    expect(env.server.requests.refresh_token ?? 0).toBe(0)
  })

  it('holds no token (access, refresh, ID) and no protocol claim, after sign-in and after a refresh', async () => {
    const { env, hintStorage, tab } = await signedIn()
    const secrets = async () => {
      const record = (await env.store.get('https://id.example.test spa')) as { session: { tokens: { accessToken: string; refreshToken: string; idToken: string } } }
      return [record.session.tokens.accessToken, record.session.tokens.refreshToken, record.session.tokens.idToken]
    }
    for (const secret of await secrets()) expect(hintStorage.data.get(HINT)).not.toContain(secret)
    env.clock.advance(301_000)
    await tab.client.getAccessToken()
    const hint = JSON.parse(hintStorage.data.get(HINT)!)
    expect(Object.keys(hint).sort()).toEqual(['expiresAt', 'generation', 'user'])
    // The session's user has the ID token's protocol claims; the hint keeps who the user is.
    expect(Object.keys((tab.client.getSnapshot() as { user: object }).user)).toEqual(expect.arrayContaining(['iss', 'aud']))
    expect(hint.user).toEqual({ sub: 'alice', name: 'Alice Example' })
    for (const secret of await secrets()) expect(hintStorage.data.get(HINT)).not.toContain(secret)
  })

  it('is off unless asked for: nothing is written to Web Storage, a new tab starts loading', async () => {
    const env = tabs()
    const local = memoryKeyValue()
    const stubbed = globalThis.localStorage
    // The hint's default storage is localStorage: a stand-in shows that nothing is written there.
    Object.defineProperty(globalThis, 'localStorage', {
      value: { getItem: (k: string) => local.get(k), setItem: (k: string, v: string) => local.set(k, v), removeItem: (k: string) => local.remove(k) },
      configurable: true,
    })
    try {
      await signIn(env, env.open())
      expect(local.data.size).toBe(0)
      expect(env.open().client.getSnapshot().status).toBe('loading')
    } finally {
      Object.defineProperty(globalThis, 'localStorage', { value: stubbed, configurable: true })
    }
  })

  it('hintStorage, the option before the entry, is a CONFIG error naming the entry: never off in silence', () => {
    const env = tabs()
    const old = { hintStorage: memoryKeyValue() } as object
    expect(() => env.open(old)).toThrow(AuthError)
    expect(() => env.open(old)).toThrow(/tabauth\/hint/)
  })

  it('sign-out removes it: the next new tab starts loading', async () => {
    const { env, hintStorage, tab } = await signedIn()
    await tab.client.logout()
    expect(hintStorage.data.has(HINT)).toBe(false)
    expect(env.open(hinted(hintStorage)).client.getSnapshot().status).toBe('loading')
  })

  it('an expired, corrupt or foreign hint, and the sign-in callback page, start loading', async () => {
    const { env, hintStorage } = await signedIn()
    const good = hintStorage.data.get(HINT)!
    env.clock.advance(300_000) // the hinted access token's expiry
    expect(env.open(hinted(hintStorage)).client.getSnapshot().status).toBe('loading')
    env.clock.advance(-300_000)
    for (const bad of ['{', 'null', '"x"', JSON.stringify({ ...JSON.parse(good), generation: 'x' }), JSON.stringify({ ...JSON.parse(good), user: { name: 'no sub' } })]) {
      hintStorage.data.set(HINT, bad)
      expect(env.open(hinted(hintStorage)).client.getSnapshot().status, bad).toBe('loading')
    }
    hintStorage.data.set(HINT, good)
    expect(env.open(hinted(hintStorage)).client.getSnapshot().status).toBe('signedIn')
    expect(env.open({ ...hinted(hintStorage), url: `${APP}/callback?code=c&state=s` }).client.getSnapshot().status).toBe('loading')
  })

  it('the store decides: a hint whose session is gone from the store ends signedOut, with no request', async () => {
    const { env, hintStorage } = await signedIn()
    const other = env.open({ ...hinted(hintStorage), store: memoryStore() }) // e.g. the browser cleared IndexedDB only
    expect(other.client.getSnapshot().status).toBe('signedIn')
    await other.client.start()
    expect(other.client.getSnapshot().status).toBe('signedOut')
    expect(env.server.requests.refresh_token ?? 0).toBe(0)
  })
})
