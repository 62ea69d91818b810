// Issue 18: during a deploy, tabs of the previous release and tabs of the new build share one
// session: the stored record (v1) and its generation rule, the channel message, the lock name, the
// storage keys and the IndexedDB names. Each release frozen in test/unit/fixtures/release-*/
// (scripts/release-fixture.js) runs here beside today's source, over one set of fakes, both ways.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as source from '../../src'
import type { AuthConfig, AuthEvent, KeyValueStorage, Lock, SessionRecord } from '../../src'
import { firstRenderHint } from '../../src/hint'
import { memoryOnlyStore } from '../../src/memory-only'
import { stubBrowser } from './fakeBrowser'
import { CLIENT_ID, ISSUER, channelHub, fakeClock, fakeLifecycle, fakeNavigation, fakeServer, memoryKeyValue, oauthError } from './fakes'

/** What the test calls of a build, in today's types: an older build must still answer them at run time. */
interface Build {
  name: string
  createAuthClient: typeof source.createAuthClient
  memoryOnlyStore: typeof memoryOnlyStore
  /**
   * The config that asks this build for the first-render hint in `storage` (undefined: its default place), and
   * the one that leaves it out: 0.1.0 had `hintStorage` (default localStorage beside the default store, none
   * beside another); today it is `hint: firstRenderHint()` of `tabauth/hint`, off unless asked for.
   */
  hinted(storage: KeyValueStorage | undefined): Partial<AuthConfig>
  unhinted: Partial<AuthConfig>
}

const fixtures = join(import.meta.dirname, 'fixtures')
const releases: Build[] = await Promise.all(
  readdirSync(fixtures)
    .filter((dir) => dir.startsWith('release-'))
    .map(async (dir) => ({
      ...((await import(pathToFileURL(join(fixtures, dir, 'tabauth.js')).href)) as Pick<Build, 'createAuthClient' | 'memoryOnlyStore'>),
      name: dir,
      hinted: (storage: KeyValueStorage | undefined) => ({ hintStorage: storage }) as Partial<AuthConfig>,
      unhinted: { hintStorage: undefined } as Partial<AuthConfig>,
    })),
)
const today: Build = { ...source, memoryOnlyStore, name: 'source', hinted: (storage) => ({ hint: firstRenderHint({ storage }) }), unhinted: { hint: undefined } }

const KEY = `${ISSUER} ${CLIENT_ID}`

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

/** A sessionStorage or localStorage that remembers the keys written. */
function recordingStorage() {
  const storage = memoryKeyValue()
  const keys = new Set<string>()
  return { ...storage, keys, set: (key: string, value: string) => (keys.add(key), storage.set(key, value)) }
}

/** One browser: one store, lock, channel, localStorage and server for every tab, whatever its build. */
function world() {
  const clock = fakeClock()
  const server = fakeServer({ expiresIn: 300, clock })
  const store = source.memoryStore() // what IndexedDB is to real tabs
  const lock: Lock = { ...source.inTabLock(), crossTab: true } // what Web Locks are to real tabs
  const hub = channelHub()
  const hints = memoryKeyValue() // localStorage

  function open(build: Build, overrides: Partial<AuthConfig> & { url?: string } = {}) {
    const navigation = fakeNavigation(overrides.url)
    const lifecycle = fakeLifecycle()
    const transactionStorage = recordingStorage()
    const client = build.createAuthClient({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      fetch: server.fetch,
      clock,
      store,
      lock,
      channel: hub.endpoint(),
      navigation,
      lifecycle,
      transactionStorage,
      ...build.hinted(hints),
      debug: false,
      ...overrides,
    })
    const events: AuthEvent[] = []
    client.onEvent((event) => events.push(event))
    return { build, client, navigation, lifecycle, transactionStorage, events }
  }

  /** A sign-in started in a tab of `starter`; the browser comes back to the callback, served by `finisher`. */
  async function signIn(starter: Build, finisher = starter, overrides: Partial<AuthConfig> = {}) {
    const tab = open(starter, overrides)
    await tab.client.start()
    await tab.client.login()
    const callback = await server.authorize(tab.navigation.assigned.at(-1)!)
    tab.client.dispose() // the page left for the server
    const next = open(finisher, { ...overrides, url: callback, transactionStorage: tab.transactionStorage })
    await next.client.start()
    return { ...next, transactionStorage: tab.transactionStorage }
  }

  return { clock, server, store, open, signIn }
}

type Tab = ReturnType<ReturnType<typeof world>['open']>

const tokenOf = (tab: Tab) => (tab.client.getSnapshot() as { accessToken?: string }).accessToken

async function openStarted(w: ReturnType<typeof world>, build: Build, overrides: Partial<AuthConfig> = {}) {
  const tab = w.open(build, overrides)
  await tab.client.start()
  return tab
}

it('there is a release fixture to test against', () => {
  expect(releases.length).toBeGreaterThan(0)
})

/** Each test once each way: A acts, B is a tab of the other build. */
function interop(A: Build, B: Build) {
  it(`a session signed in by ${A.name} is adopted by ${B.name} (open before, opened after) with no request`, async () => {
    const w = world()
    const b = await openStarted(w, B)
    expect(b.client.getSnapshot()).toEqual({ status: 'signedOut' })
    const a = await w.signIn(A)
    const requests = { ...w.server.requests }
    await settle()
    const session = { status: 'signedIn', user: { sub: 'alice', name: 'Alice Example' }, accessToken: tokenOf(a), generation: 1 }
    expect(a.client.getSnapshot()).toMatchObject(session)
    expect(b.client.getSnapshot()).toMatchObject(session)
    expect(b.events).toEqual([{ type: 'adopted', generation: 1 }])
    const late = w.open(B)
    // Its first frame, from the first-render hint the other build wrote: no token yet.
    expect(late.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: session.user, generation: 1 })
    await late.client.start()
    expect(late.client.getSnapshot()).toMatchObject(session)
    expect(await b.client.getAccessToken()).toBe(tokenOf(a))
    expect(await late.client.getAccessToken()).toBe(tokenOf(a))
    expect(w.server.requests).toEqual(requests)
    expect(requests).toMatchObject({ authorization_code: 1, refresh_token: 0 })
  })

  it(`a sign-in started in ${A.name} finishes in ${B.name} (the deploy came between the redirect and the callback)`, async () => {
    const w = world()
    const other = await openStarted(w, A)
    const tab = await w.signIn(A, B)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice' }, generation: 1 })
    expect(tab.navigation.url).toBe('https://app.example.test/') // the callback URL was cleaned
    await settle()
    expect(other.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokenOf(tab), generation: 1 })
    expect(w.server.requests.authorization_code).toBe(1)
  })

  for (const first of [A, B]) {
    it(`at expiry, ${first.name} asking first: one refresh request, and both tabs on the new token`, async () => {
      const w = world()
      const a = await w.signIn(A)
      const b = await openStarted(w, B)
      const old = tokenOf(a)
      w.clock.advance(300_000)
      const [x, y] = first === A ? [a, b] : [b, a]
      const tokens = await Promise.all([x.client.getAccessToken(), y.client.getAccessToken(), y.client.getAccessToken(), x.client.getAccessToken()])
      await settle()
      expect(w.server.requests.refresh_token).toBe(1)
      expect(new Set(tokens).size).toBe(1)
      expect(tokens[0]).not.toBe(old)
      for (const tab of [a, b]) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokens[0], generation: 2 })
      // Whichever held the lock refreshed; the other adopted its session.
      const events = [...a.events, ...b.events].filter((e) => e.type === 'refreshed' || e.type === 'adopted')
      expect(events.map((e) => e.type).sort()).toEqual(['adopted', 'refreshed'])
      expect(events.every((e) => 'generation' in e && e.generation === 2)).toBe(true)
    })
  }

  it(`${A.name} refreshes ahead of expiry; the hidden ${B.name} tab takes the new token from the channel message, sending nothing`, async () => {
    const w = world()
    const a = await w.signIn(A)
    const b = await openStarted(w, B)
    b.lifecycle.visible = false
    const stop = [a.client.subscribe(() => {}), b.client.subscribe(() => {})]
    w.clock.advance(271_000) // past A's refresh time (270 s), before expiry: B's own timer waits for expiry
    await settle()
    expect(w.server.requests.refresh_token).toBe(1)
    expect(a.events).toContainEqual({ type: 'refreshed', generation: 2 })
    expect(b.events).toEqual([{ type: 'adopted', generation: 2 }])
    expect(b.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokenOf(a), generation: 2 })
    stop.forEach((s) => s())
  })

  it(`a dead grant met by ${A.name} ends the session in ${B.name} as reloginRequired, with no second request`, async () => {
    const w = world()
    const a = await w.signIn(A)
    const b = await openStarted(w, B)
    w.server.revokeAll()
    w.clock.advance(300_000)
    const dead = { code: 'LOGIN_REQUIRED', reason: 'refresh_token_revoked_or_expired' }
    await expect(a.client.getAccessToken()).rejects.toMatchObject(dead)
    await settle()
    // B learns it from the channel and the store, without asking.
    expect(b.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', user: { sub: 'alice' }, error: dead })
    expect(b.events).toEqual([{ type: 'reloginRequired', generation: 2, error: expect.objectContaining(dead) }])
    await expect(b.client.getAccessToken()).rejects.toMatchObject(dead)
    const late = await openStarted(w, B)
    expect(late.client.getSnapshot()).toMatchObject({ status: 'reloginRequired', error: dead })
    await expect(late.client.getAccessToken()).rejects.toMatchObject(dead)
    expect(w.server.requests.refresh_token).toBe(1)
  })

  it(`a client rejected at ${A.name}'s refresh (invalid_client) is the same CONFIG error in ${B.name}, with no second request`, async () => {
    const w = world()
    const a = await w.signIn(A)
    const b = await openStarted(w, B)
    w.clock.advance(300_000)
    w.server.failNext.push(() => oauthError('invalid_client', 401))
    await expect(a.client.getAccessToken()).rejects.toMatchObject({ code: 'CONFIG', error: 'invalid_client' })
    await settle()
    expect(b.client.getSnapshot()).toMatchObject({ error: { code: 'CONFIG', reason: 'client_rejected' } })
    await expect(b.client.getAccessToken()).rejects.toMatchObject({ code: 'CONFIG', reason: 'client_rejected' })
    expect(w.server.requests.refresh_token).toBe(1)
  })

  it(`a transient failure in ${A.name} (503) holds ${B.name} to the shared backoff; the next try serves both`, async () => {
    const w = world()
    const a = await w.signIn(A)
    const b = await openStarted(w, B)
    w.clock.advance(301_000)
    w.server.failNext.push(() => oauthError('temporarily_unavailable', 503))
    const first = a.client.getAccessToken()
    await settle()
    // The same generation again on the channel: B reads the schedule A wrote and shows the outage.
    expect(b.client.getSnapshot()).toMatchObject({ error: { code: 'SERVER_ERROR', status: 503 } })
    const second = b.client.getAccessToken() // inside the backoff: B sends nothing
    await settle()
    expect(w.server.requests.refresh_token).toBe(1)
    for (let t = 0; t < 3_000; t += 100) {
      w.clock.advance(100)
      await settle()
    }
    const [x, y] = await Promise.all([first, second])
    expect(x).toBe(y)
    expect(w.server.requests.refresh_token).toBe(2)
    expect(b.events.filter((e) => e.type === 'refreshFailed')).toEqual([])
    for (const tab of [a, b]) expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: x, generation: 2 })
  })

  it(`a sign-out in ${A.name} signs ${B.name} out`, async () => {
    const w = world()
    const a = await w.signIn(A)
    const b = await openStarted(w, B)
    await a.client.logout({ localOnly: true })
    await settle()
    expect(b.client.getSnapshot()).toEqual({ status: 'signedOut' })
    expect(b.events).toEqual([{ type: 'signedOut', generation: 2 }])
    await expect(b.client.getAccessToken()).rejects.toMatchObject({ code: 'LOGIN_REQUIRED' })
    const late = w.open(B)
    expect(late.client.getSnapshot()).toEqual({ status: 'loading' }) // the hint went with the session
    await late.client.start()
    expect(late.client.getSnapshot()).toEqual({ status: 'signedOut' })
    expect(w.server.requests.revocation).toBe(2)
  })

  it(`every record ${A.name} stores reads the same in ${B.name}, and ${B.name}'s next write takes the next generation`, async () => {
    const w = world()
    const a = await w.signIn(A)
    const stored: unknown[] = [await w.store.get(KEY)]
    w.clock.advance(300_000)
    await a.client.getAccessToken()
    stored.push(await w.store.get(KEY))
    await a.client.logout({ localOnly: true })
    stored.push(await w.store.get(KEY))
    const again = await w.signIn(A)
    w.server.revokeAll()
    w.clock.advance(300_000)
    await again.client.getAccessToken().catch(() => {})
    stored.push(await w.store.get(KEY))
    const seen = []
    for (const raw of stored) {
      // A browser whose store holds only that record: no channel, no hint, no memory of it.
      const fresh = world()
      await fresh.store.set(KEY, raw as SessionRecord)
      const b = await openStarted(fresh, B)
      seen.push(b.client.getSnapshot())
    }
    const tokens = (stored as SessionRecord[]).map((record) => record.session?.tokens.accessToken)
    expect(seen).toMatchObject([
      { status: 'signedIn', user: { sub: 'alice', name: 'Alice Example' }, accessToken: tokens[0], generation: 1 },
      { status: 'signedIn', accessToken: tokens[1], generation: 2 },
      { status: 'signedOut' },
      { status: 'reloginRequired', error: { code: 'LOGIN_REQUIRED', reason: 'refresh_token_revoked_or_expired' } },
    ])
    // The generation rule: B carries on from A's record, so that A's tabs take B's session as newer.
    const fresh = world()
    await fresh.store.set(KEY, stored[2] as SessionRecord) // signed out, generation 3
    const older = await openStarted(fresh, A)
    const b = await fresh.signIn(B)
    expect(b.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 4 })
    await settle()
    expect(older.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokenOf(b), generation: 4 })
  })

  it(`memory-only mode: ${A.name}'s session reaches ${B.name} over the memory channel, and ${B.name}'s refresh reaches ${A.name}`, async () => {
    const w = world()
    const memory = channelHub()
    const memoryOnly = (build: Build) => ({ store: build.memoryOnlyStore({ channel: memory.endpoint(), answerWaitMs: 0 }), ...build.unhinted })
    const b = await openStarted(w, B, memoryOnly(B))
    const a = await w.signIn(A, A, memoryOnly(A))
    await settle()
    expect(b.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokenOf(a), generation: 1 })
    const late = await openStarted(w, B, memoryOnly(B)) // asks the open tabs for their copy
    expect(late.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokenOf(a), generation: 1 })
    w.clock.advance(300_000)
    const token = await late.client.getAccessToken()
    await settle()
    expect(a.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: token, generation: 2 })
    expect(w.server.requests).toMatchObject({ authorization_code: 1, refresh_token: 1 })
  })
}

/** Both builds with their default adapters: the names they meet under in a browser. */
function browserAdapters(release: Build) {
  afterEach(() => void vi.unstubAllGlobals())

  /** Tabs with the default store, lock, channel and hint storage, over stand-ins of the browser APIs. */
  function browser() {
    const globals = stubBrowser()
    const w = world()
    const defaults = (build: Build) => ({ store: undefined, lock: undefined, channel: undefined, ...build.hinted(undefined) })
    return { ...w, globals, open: (build: Build) => w.open(build, defaults(build)), signIn: (starter: Build, finisher = starter) => w.signIn(starter, finisher, defaults(starter)) }
  }

  it(`${release.name} and the source share one session through them`, async () => {
    const w = browser()
    const b = w.open(today)
    await b.client.start()
    const a = await w.signIn(release)
    await settle()
    expect(b.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: tokenOf(a), generation: 1 })
    const late = w.open(today)
    expect(late.client.getSnapshot()).toMatchObject({ status: 'signedIn', generation: 1 }) // from the release's localStorage hint
    w.clock.advance(300_000)
    const [x, y, z] = await Promise.all([late.client.getAccessToken(), a.client.getAccessToken(), b.client.getAccessToken()])
    expect(new Set([x, y, z]).size).toBe(1)
    expect(w.server.requests.refresh_token).toBe(1)
    const older = w.open(release)
    await older.client.start()
    expect(older.client.getSnapshot()).toMatchObject({ status: 'signedIn', accessToken: x, generation: 2 })
    await b.client.logout({ localOnly: true })
    await settle()
    for (const tab of [a, older, late]) expect(tab.client.getSnapshot()).toEqual({ status: 'signedOut' })
  })

  /**
   * One build alone: sign in, a second tab, one refresh at expiry, sign-out. What it wrote where,
   * with the records' values reduced to their types (the tokens differ from run to run).
   */
  async function conversation(build: Build) {
    const w = browser()
    const a = await w.signIn(build)
    const b = w.open(build)
    await b.client.start()
    w.clock.advance(300_000)
    await Promise.all([a.client.getAccessToken(), b.client.getAccessToken()])
    await a.client.logout({ localOnly: true })
    await settle()
    const { indexedDB, channels, locks, localStorage } = w.globals
    return {
      databases: [...indexedDB.opened],
      records: indexedDB.writes.map(({ database, store, key, value }) => ({ at: `${database}/${store}`, key, value: shape(value) })),
      messages: channels.posted,
      locks: [...locks.names],
      localStorage: [...localStorage.keys],
      sessionStorage: [...a.transactionStorage.keys],
    }
  }

  it(`the source uses the names ${release.name} uses, and writes at least what it wrote there`, async () => {
    const old = await conversation(release)
    const now = await conversation(today)
    expect(old.records.length).toBeGreaterThan(0)
    expect(now.databases).toEqual(old.databases)
    expect(now.locks).toEqual(old.locks)
    expect(now.localStorage).toEqual(old.localStorage)
    expect(now.sessionStorage).toEqual(old.sessionStorage)
    // A field more is fine for an older tab (its parsers ignore it); a field less or of another type is not.
    expect(now.messages).toMatchObject(old.messages)
    expect(now.records).toMatchObject(old.records)
  })
}

for (const release of releases) {
  describe(`${release.name} acts, source follows`, () => interop(release, today))
  describe(`source acts, ${release.name} follows`, () => interop(today, release))
  describe(`${release.name} and source with the browser's own adapters (IndexedDB, BroadcastChannel, Web Locks, localStorage)`, () => browserAdapters(release))
}

/** A value's types, for comparing records whose tokens and times differ. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]))
  return typeof value
}
