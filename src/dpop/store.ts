/**
 * DPoP keys and nonces shared by every tab (RFC 9449). The refresh token is bound
 * to one key pair, so every tab must sign with the same one: it lives in
 * IndexedDB as a CryptoKey whose private half is not extractable (script can
 * sign with it while the page is open, never read it out). The server's latest
 * `DPoP-Nonce` per origin is kept beside it, so the tab that refreshes next
 * sends a proof the server accepts the first time. Each sign-in makes a new key
 * pair; sign-out deletes it with the nonces.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
import * as oauth from 'oauth4webapi'
import { browserChannel, browserClock, type Channel, type Clock } from '../core/adapters'
import { isObject } from '../core/store'

export interface DPoPStore {
  /**
   * The key pair every tab signs with, created by the first tab that asks when there is none. `jkt`: the
   * thumbprint of the key the session's tokens are bound to, when the store can pick among several (memory).
   * What it returns is checked (dpop/index.ts): a key that is not a non-extractable ECDSA P-256 pair is replaced.
   */
  keyPair(jkt?: string): Promise<CryptoKeyPair>
  /** Sign-in: a new key pair, which replaces the old one for every tab. */
  newKeyPair(): Promise<CryptoKeyPair>
  /** Sign-out: the key pair and every nonce are deleted, for every tab. */
  clear(): Promise<void>
  nonce(origin: string): Promise<string | undefined>
  saveNonce(origin: string, nonce: string): Promise<void>
  /** Stops what the store listens to (`memoryDPoPStore`'s channel), through the binding's `dispose()`. Used again, it listens again. */
  dispose?(): void
}

/** ES256, the algorithm every DPoP server supports; the public half must be exportable for the proof's `jwk`. */
export function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as Promise<CryptoKeyPair>
}

const isP256 = (key: unknown, type: KeyType): key is CryptoKey =>
  key instanceof CryptoKey && key.type === type && key.algorithm.name === 'ECDSA' && (key.algorithm as EcKeyAlgorithm).namedCurve === 'P-256'

/**
 * Storage and the channel are input like any other: a script that ran once could have put its own key
 * there, one it can read out (extractable) and so sign with from anywhere. Only a pair tabauth could
 * have made passes: ECDSA P-256, the private half not extractable and able to sign, the two halves one pair.
 */
export async function isSafeKeyPair(value: unknown): Promise<boolean> {
  if (!isObject(value)) return false
  const { privateKey, publicKey } = value
  if (!isP256(privateKey, 'private') || !isP256(publicKey, 'public') || privateKey.extractable || !privateKey.usages.includes('sign')) return false
  const data = new Uint8Array(1)
  const algorithm = { name: 'ECDSA', hash: 'SHA-256' }
  try {
    return await crypto.subtle.verify(algorithm, publicKey, await crypto.subtle.sign(algorithm, privateKey, data), data)
  } catch {
    return false // a public half without `verify`
  }
}

/** RFC 7638 thumbprint of the public key: what the server binds the tokens to (`cnf.jkt`). */
export function thumbprint(keys: CryptoKeyPair): Promise<string> {
  return oauth.DPoP({}, keys).calculateThumbprint()
}

export interface MemoryDPoPOptions {
  /** Where tabs hand the key to each other. Default the BroadcastChannel `tabauth:dpop`. */
  channel?: Channel
  /** How long a tab without a key waits for the open tabs to hand theirs over. Default 50 ms. */
  answerWaitMs?: number
  /** What that wait is timed on. Default the browser's. */
  clock?: Clock
}

/**
 * Memory only: the key pair never touches storage. A tab that needs it asks the
 * open tabs over the channel (a CryptoKey is structured-cloned, still not
 * extractable) and creates one only when no tab answers. Closing every tab
 * that holds it ends what the key signed for: the next refresh is refused.
 * A sign-in or sign-out in one tab tells the others to drop theirs; a tab
 * that needs the session's key (by thumbprint) asks for it again.
 *
 * It listens on the channel from its creation (so that it hears the nonces other tabs save) until
 * `dispose()`; a disposed store that is used again (a client made anew with the same `dpop()`) listens again.
 */
export function memoryDPoPStore(options: MemoryDPoPOptions = {}): DPoPStore & { dispose(): void } {
  const channel = options.channel ?? browserChannel('tabauth:dpop')
  const answerWaitMs = options.answerWaitMs ?? 50
  const clock = options.clock ?? browserClock
  let keys: CryptoKeyPair | undefined
  let asking: Promise<CryptoKeyPair> | undefined
  // The keys other tabs answered with while this tab asks; checked before one is taken.
  let answers: unknown[] = []
  const nonces = new Map<string, string>()
  const forget = () => ((keys = undefined), nonces.clear())
  function onMessage(raw: unknown) {
    if (!isObject(raw) || raw.tabauth !== 1) return // foreign: ignore
    if (raw.type === 'dpopKeyRequest' && keys) channel.post({ tabauth: 1, type: 'dpopKey', keys })
    else if (raw.type === 'dpopKey' && asking) answers.push(raw.keys)
    else if (raw.type === 'dpopClear') forget()
    else if (raw.type === 'dpopNonce' && typeof raw.origin === 'string' && typeof raw.nonce === 'string') nonces.set(raw.origin, raw.nonce)
  }
  let stopListening: (() => void) | undefined
  const listen = () => void (stopListening ??= channel.subscribe(onMessage))
  listen()
  /** The first answer that is safe (and the session's key, when `jkt` names it). */
  async function pick(jkt: string | undefined): Promise<CryptoKeyPair | undefined> {
    for (const answer of answers.splice(0)) {
      if ((await isSafeKeyPair(answer)) && (!jkt || (await thumbprint(answer as CryptoKeyPair)) === jkt)) return answer as CryptoKeyPair
    }
  }
  return {
    async keyPair(jkt) {
      listen()
      if (keys && (!jkt || (await thumbprint(keys)) === jkt)) return keys
      return (asking ??= (async () => {
        channel.post({ tabauth: 1, type: 'dpopKeyRequest' })
        await new Promise<void>((resolve) => clock.setTimeout(resolve, answerWaitMs))
        // None that fits: this tab's own, else a new one (a refresh signed by another key than the session's is refused by the server).
        keys = (await pick(jkt)) ?? keys ?? (await generateKeyPair())
        return keys
      })().finally(() => ((asking = undefined), (answers = []))))
    },
    async newKeyPair() {
      listen()
      channel.post({ tabauth: 1, type: 'dpopClear' })
      nonces.clear()
      return (keys = await generateKeyPair())
    },
    async clear() {
      listen()
      forget()
      channel.post({ tabauth: 1, type: 'dpopClear' })
    },
    async nonce(origin) {
      listen()
      return nonces.get(origin)
    },
    async saveNonce(origin, nonce) {
      listen()
      nonces.set(origin, nonce)
      channel.post({ tabauth: 1, type: 'dpopNonce', origin, nonce })
    },
    dispose() {
      stopListening?.()
      stopListening = undefined
    },
  }
}

const DB_NAME = 'tabauth-dpop'
const KEYS = 'keys'
const NONCES = 'nonces'

/**
 * The key pair is read from IndexedDB for every proof, never kept in a tab's memory: after a
 * sign-in or sign-out in another tab, no tab can sign with the old key.
 */
export function indexedDBDPoPStore(key: string): DPoPStore {
  let db: Promise<IDBDatabase> | undefined
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1)
      request.onupgradeneeded = () => {
        request.result.createObjectStore(KEYS)
        request.result.createObjectStore(NONCES)
      }
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => ((db = undefined), reject(request.error))
    }))
  const run = async <T>(names: string[], mode: IDBTransactionMode, use: (tx: IDBTransaction) => IDBRequest<T>): Promise<T> => {
    const tx = (await open()).transaction(names, mode)
    const request = use(tx)
    // Resolved on `complete`: only then is a write visible to other tabs.
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result)
      tx.onerror = tx.onabort = () => reject(tx.error ?? request.error)
    })
  }
  const read = () => run([KEYS], 'readonly', (tx) => tx.objectStore(KEYS).get(key)) as Promise<CryptoKeyPair | undefined>
  // A tab's nonces are `<key> <origin>`: the range of this client's.
  const ownNonces = IDBKeyRange.bound(`${key} `, `${key} \uffff`)

  return {
    /** `add`, not `put`: when two tabs create a key at once, the first write wins and both use it. */
    async keyPair() {
      const stored = await read()
      if (stored) return stored
      const created = await generateKeyPair()
      try {
        await run([KEYS], 'readwrite', (tx) => tx.objectStore(KEYS).add(created, key))
        return created
      } catch {
        return (await read()) ?? created
      }
    },
    async newKeyPair() {
      const created = await generateKeyPair()
      await run([KEYS], 'readwrite', (tx) => tx.objectStore(KEYS).put(created, key))
      return created
    },
    clear: () =>
      run([KEYS, NONCES], 'readwrite', (tx) => {
        tx.objectStore(NONCES).delete(ownNonces)
        return tx.objectStore(KEYS).delete(key)
      }),
    nonce: async (origin) => (await run([NONCES], 'readonly', (tx) => tx.objectStore(NONCES).get(`${key} ${origin}`))) as string | undefined,
    saveNonce: async (origin, nonce) => void (await run([NONCES], 'readwrite', (tx) => tx.objectStore(NONCES).put(nonce, `${key} ${origin}`))),
  }
}

export function defaultDPoPStore(key: string): DPoPStore {
  return typeof indexedDB === 'undefined' ? memoryDPoPStore() : indexedDBDPoPStore(key)
}
