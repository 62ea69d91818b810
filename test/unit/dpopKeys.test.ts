// DPoP keys (issue 19): every key a store gives or a tab hands over is checked (a non-extractable ECDSA P-256
// pair), a planted one is replaced; a new key per sign-in, its thumbprint kept with the tokens; sign-out deletes
// the key and its nonces in every tab. Fakes only (the fake server checks no proof); the same against the real
// provider and IndexedDB in real Chromium is test/e2e/dpop.test.ts.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Channel } from '../../src/core/adapters'
import { dpop, memoryDPoPStore, type DPoPStore } from '../../src/dpop'
import { channelHub, CLIENT_ID, countListeners, fakeClock, ISSUER, signIn, tabs } from './fakes'

type Env = ReturnType<typeof tabs>
const RECORD = `${ISSUER} ${CLIENT_ID}`
const P256 = { name: 'ECDSA', namedCurve: 'P-256' }

/** The `jwk` of a DPoP proof's header: which key signed it. */
const signer = (proof: string) => {
  const { kty, crv, x, y } = JSON.parse(Buffer.from(proof.split('.')[0], 'base64url').toString()).jwk
  return JSON.stringify({ kty, crv, x, y })
}
const jwkOf = async (keys: CryptoKeyPair) => {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', keys.publicKey)
  return JSON.stringify({ kty, crv, x, y })
}

/** The fake server answers DPoP (it checks no proof); every proof sent is kept. */
function dpopServer(env: Env) {
  const proofs: string[] = []
  const fetch: typeof globalThis.fetch = (input, init) => {
    const proof = new Headers(init?.headers).get('dpop')
    if (proof) proofs.push(proof)
    if (String(input).endsWith('/token')) env.server.tamperNext.push((body) => void (body.token_type = 'DPoP'))
    return env.server.fetch(input, init)
  }
  return { proofs, fetch }
}

/** A store that holds whatever it is given, like IndexedDB would: what a one-time script can plant into. */
function plantableStore() {
  const store: DPoPStore & { keys: unknown; nonces: Map<string, string> } = {
    keys: undefined as unknown,
    nonces: new Map<string, string>(),
    keyPair: async () => (store.keys ??= await crypto.subtle.generateKey(P256, false, ['sign', 'verify'])) as CryptoKeyPair,
    newKeyPair: async () => (store.keys = await crypto.subtle.generateKey(P256, false, ['sign', 'verify'])) as CryptoKeyPair,
    clear: async () => void ((store.keys = undefined), store.nonces.clear()),
    nonce: async (origin: string) => store.nonces.get(origin),
    saveNonce: async (origin: string, nonce: string) => void store.nonces.set(origin, nonce),
  }
  return store
}

const pair = (algorithm: EcKeyGenParams | RsaHashedKeyGenParams, extractable: boolean) => crypto.subtle.generateKey(algorithm, extractable, ['sign', 'verify']) as Promise<CryptoKeyPair>
const RSA = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }

const planted: Array<[string, () => Promise<unknown>]> = [
  ['an extractable P-256 pair (its private key can be read out)', () => pair(P256, true)],
  ['a P-384 pair', () => pair({ name: 'ECDSA', namedCurve: 'P-384' }, false)],
  ['an RSA pair', () => pair(RSA, false)],
  ['two halves of different pairs', async () => ({ privateKey: (await pair(P256, false)).privateKey, publicKey: (await pair(P256, false)).publicKey })],
  [
    'a private key that cannot sign',
    async () => ({ privateKey: (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])).privateKey, publicKey: (await pair(P256, false)).publicKey }),
  ],
  ['not a key at all', async () => ({ privateKey: 'x', publicKey: 'y' })],
]

describe('a planted DPoP key', () => {
  it.each(planted)('%s, found in the store: refused, a new non-extractable P-256 pair signs instead', async (_, plant) => {
    const env = tabs()
    const { proofs, fetch } = dpopServer(env)
    const store = plantableStore()
    const config = { dpop: dpop({ store }), fetch }
    const tab = await signIn(env, env.open(config), config)
    const bad = (store.keys = await plant())
    env.clock.advance(300_000)
    await tab.client.getAccessToken() // a refresh: its proof takes the store's key
    const keys = store.keys as CryptoKeyPair
    expect(keys).not.toBe(bad)
    expect(keys.privateKey).toMatchObject({ extractable: false, algorithm: P256 })
    expect(signer(proofs.at(-1)!)).toBe(await jwkOf(keys))
    if ((bad as CryptoKeyPair).publicKey instanceof CryptoKey) expect(signer(proofs.at(-1)!)).not.toBe(await jwkOf(bad as CryptoKeyPair).catch(() => 'none'))
  })

  it('an extractable key handed over the channel is refused: the tab takes the safe one another tab answers', async () => {
    const hub = channelHub()
    const safe = await pair(P256, false)
    // Two "tabs" answer every request: a script's, first, with an extractable key, then tabauth's.
    for (const keys of [await pair(P256, true), safe]) {
      const other = hub.endpoint()
      other.subscribe((message) => (message as { type?: string }).type === 'dpopKeyRequest' && other.post({ tabauth: 1, type: 'dpopKey', keys }))
    }
    const store = memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 })
    expect(await jwkOf(await store.keyPair())).toBe(await jwkOf(safe))
  })

  it('an extractable key is all the channel offers: the tab makes its own', async () => {
    const hub = channelHub()
    const extractable = await pair(P256, true)
    const other = hub.endpoint()
    other.subscribe(() => other.post({ tabauth: 1, type: 'dpopKey', keys: extractable }))
    const keys = await memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 }).keyPair()
    expect(keys.privateKey.extractable).toBe(false)
    expect(await jwkOf(keys)).not.toBe(await jwkOf(extractable))
  })
})

describe('a key per sign-in', () => {
  it('each sign-in signs its code exchange with a new key, kept by thumbprint with the tokens; refreshes in every tab use it', async () => {
    const env = tabs()
    const hub = channelHub()
    const { proofs, fetch } = dpopServer(env)
    const config = () => ({ dpop: dpop({ store: memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 }) }), fetch })
    const signers: string[] = []
    for (let round = 0; round < 2; round++) {
      const tab = await signIn(env, env.open(config()), config())
      const exchange = signer(proofs.at(-1)!)
      const { session } = (await env.store.get(RECORD)) as { session: { tokens: { jkt: string } } }
      expect(session.tokens.jkt).toBe(jktOf(exchange))
      // Another tab refreshes: the same key (asked of the tab that signed in, by the session's thumbprint).
      const other = env.open(config())
      await other.client.start()
      env.clock.advance(300_000)
      await other.client.getAccessToken()
      expect(signer(proofs.at(-1)!)).toBe(exchange)
      expect(((await env.store.get(RECORD)) as { session: { tokens: { jkt: string } } }).session.tokens.jkt).toBe(session.tokens.jkt)
      signers.push(exchange)
      await tab.client.logout({ localOnly: true })
    }
    expect(signers[1]).not.toBe(signers[0])
  })

  it('a sign-in with no sign-out before it (a re-login, a second account) takes a new key too', async () => {
    const env = tabs()
    const { proofs, fetch } = dpopServer(env)
    const store = plantableStore()
    const config = { dpop: dpop({ store }), fetch }
    await signIn(env, env.open(config), config)
    const first = signer(proofs.at(-1)!)
    await signIn(env, env.open(config), config)
    expect(signer(proofs.at(-1)!)).not.toBe(first)
    expect(signer(proofs.at(-1)!)).toBe(await jwkOf(store.keys as CryptoKeyPair))
  })

  it('a tab that missed the sign-in (its old key still in memory) refreshes with the new session key, not its own', async () => {
    const env = tabs()
    const hub = channelHub()
    const { proofs, fetch } = dpopServer(env)
    // The stale tab hears no dpopClear: as if it was in the back/forward cache when the other tab signed in.
    const deaf = (): Channel => {
      const channel = hub.endpoint()
      return { post: channel.post, subscribe: (listener) => channel.subscribe((m) => (m as { type?: string }).type !== 'dpopClear' && listener(m)) }
    }
    const staleStore = memoryDPoPStore({ channel: deaf(), answerWaitMs: 5 })
    const old = await staleStore.keyPair() // no tab answers: its own key
    const stale = env.open({ dpop: dpop({ store: staleStore }), fetch })
    await stale.client.start()
    const config = () => ({ dpop: dpop({ store: memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 }) }), fetch })
    await signIn(env, env.open(config()), config())
    const exchange = signer(proofs.at(-1)!)
    expect(exchange).not.toBe(await jwkOf(old))
    env.clock.advance(300_000)
    await stale.client.getAccessToken()
    expect(signer(proofs.at(-1)!)).toBe(exchange)
  })

  it('a session of the previous release (no thumbprint) is still read and refreshed with the stored key, and gets its thumbprint', async () => {
    const env = tabs()
    const { proofs, fetch } = dpopServer(env)
    const store = plantableStore()
    const config = { dpop: dpop({ store }), fetch }
    await signIn(env, env.open(config), config)
    const record = (await env.store.get(RECORD)) as { session: { tokens: Record<string, unknown> } }
    delete record.session.tokens.jkt
    await env.store.set(RECORD, record as never)
    const tab = env.open(config)
    env.clock.advance(300_000)
    await tab.client.getAccessToken()
    expect(tab.client.getSnapshot().status).toBe('signedIn')
    const keys = store.keys as CryptoKeyPair
    expect(signer(proofs.at(-1)!)).toBe(await jwkOf(keys))
    expect(((await env.store.get(RECORD)) as { session: { tokens: { jkt: string } } }).session.tokens.jkt).toBe(jktOf(await jwkOf(keys)))
  })
})

describe('sign-out', () => {
  it('deletes the key and its nonces in every tab: no tab can sign with it afterwards', async () => {
    const env = tabs()
    const hub = channelHub()
    const { proofs, fetch } = dpopServer(env)
    const stores: DPoPStore[] = []
    const config = () => {
      stores.push(memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 }))
      return { dpop: dpop({ store: stores.at(-1)! }), fetch }
    }
    const tab = await signIn(env, env.open(config()), config())
    const other = env.open(config())
    await other.client.start()
    env.clock.advance(300_000)
    await other.client.getAccessToken() // the other tab now holds the key
    const key = signer(proofs.at(-1)!)
    const otherStore = stores.at(-1)!
    await otherStore.saveNonce('https://api.example.test', 'n-1')
    await tab.client.logout({ localOnly: true })
    await new Promise((resolve) => setTimeout(resolve, 0)) // the channel delivers
    expect(await otherStore.nonce('https://api.example.test')).toBeUndefined()
    expect(await jwkOf(await otherStore.keyPair())).not.toBe(key) // no tab answers with the old key: a new one
  })

  it('with a store shared by every tab (IndexedDB), the key and nonces are deleted from it', async () => {
    const env = tabs()
    const { fetch } = dpopServer(env)
    const store = plantableStore()
    const config = { dpop: dpop({ store }), fetch }
    const tab = await signIn(env, env.open(config), config)
    await store.saveNonce('https://api.example.test', 'n-1')
    await tab.client.logout({ localOnly: true })
    expect(store.keys).toBeUndefined()
    expect(store.nonces.size).toBe(0)
  })
})

describe('cleanup (issue 18)', () => {
  /** A new tab's store asks the open tabs for the key: the thumbprint of what it ends up with. */
  const askFrom = async (hub: ReturnType<typeof channelHub>) => {
    const other = memoryDPoPStore({ channel: hub.endpoint(), answerWaitMs: 5 })
    try {
      return await jwkOf(await other.keyPair())
    } finally {
      other.dispose()
    }
  }

  it('a disposed memory store listens no more and hands its key to no tab; used again, it listens again', async () => {
    const hub = channelHub()
    const channel = countListeners(hub.endpoint())
    const store = memoryDPoPStore({ channel, answerWaitMs: 5 })
    expect(channel.listening).toBe(1) // from its creation: it hears the nonces other tabs save
    const key = await jwkOf(await store.keyPair())
    expect(await askFrom(hub)).toBe(key)
    store.dispose()
    expect(channel.listening).toBe(0)
    expect(await askFrom(hub)).not.toBe(key)
    expect(await jwkOf(await store.keyPair())).toBe(key) // its own key, kept
    expect(channel.listening).toBe(1)
    expect(await askFrom(hub)).toBe(key)
  })

  it("the binding's dispose() disposes its store", () => {
    const channel = countListeners(channelHub().endpoint())
    const binding = dpop({ store: memoryDPoPStore({ channel, answerWaitMs: 5 }) }).bind(RECORD)
    expect(channel.listening).toBe(1)
    binding.dispose?.()
    expect(channel.listening).toBe(0)
  })

  it('a tab without a key waits for the answers on its clock, with no real time passing', async () => {
    const clock = fakeClock()
    const store = memoryDPoPStore({ channel: channelHub().endpoint(), answerWaitMs: 60_000, clock })
    let keys: CryptoKeyPair | undefined
    const asking = store.keyPair().then((pair) => (keys = pair))
    await new Promise((resolve) => setTimeout(resolve, 1))
    expect(keys).toBeUndefined()
    clock.advance(60_000)
    await Promise.race([asking, new Promise((resolve) => setTimeout(resolve, 100))])
    expect(keys?.privateKey).toMatchObject({ extractable: false, algorithm: P256 })
  })

  it("the client's dispose() disposes its DPoP binding: its key store listens no more", async () => {
    const channel = countListeners(channelHub().endpoint())
    const tab = tabs().open({ dpop: dpop({ store: memoryDPoPStore({ channel, answerWaitMs: 5 }) }) })
    await tab.client.start()
    expect(channel.listening).toBe(1)
    tab.client.dispose()
    expect(channel.listening).toBe(0)
  })
})

/** RFC 7638 thumbprint of a proof's jwk, computed here rather than by the code under test. */
function jktOf(jwk: string): string {
  const { crv, kty, x, y } = JSON.parse(jwk)
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url')
}
