/**
 * DPoP keys and nonces shared by every tab (RFC 9449). The refresh token is bound
 * to one key pair, so every tab must sign with the same one: it lives in
 * IndexedDB as a CryptoKey whose private half is not extractable (script can
 * sign with it while the page is open, never read it out). The server's latest
 * `DPoP-Nonce` per origin is kept beside it, so the tab that refreshes next
 * sends a proof the server accepts the first time.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
import { browserChannel, browserClock, type Channel, type Clock } from '../core/adapters'
import { isObject } from '../core/store'

export interface DPoPStore {
  /** The one key pair for this issuer and client, created by the first tab that asks. */
  keyPair(): Promise<CryptoKeyPair>
  nonce(origin: string): Promise<string | undefined>
  saveNonce(origin: string, nonce: string): Promise<void>
}

/** ES256, the algorithm every DPoP server supports; the public half must be exportable for the proof's `jwk`. */
function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as Promise<CryptoKeyPair>
}

export interface MemoryDPoPOptions {
  /** Where tabs hand the key to each other. Default the BroadcastChannel `tabauth:dpop`. */
  channel?: Channel
  /** How long a tab without a key waits for the open tabs to hand theirs over. Default 50 ms. */
  answerWaitMs?: number
  clock?: Clock
}

/**
 * Memory only: the key pair never touches storage. A tab that needs it asks the
 * open tabs over the channel (a CryptoKey is structured-cloned, still not
 * extractable) and creates one only when no tab answers. Closing every tab
 * that holds it ends what the key signed for: the next refresh is refused.
 */
export function memoryDPoPStore(options: MemoryDPoPOptions = {}): DPoPStore & { dispose(): void } {
  const channel = options.channel ?? browserChannel('tabauth:dpop')
  const answerWaitMs = options.answerWaitMs ?? 50
  let keys: CryptoKeyPair | undefined
  let asking: Promise<CryptoKeyPair> | undefined
  const nonces = new Map<string, string>()
  const leave = channel.subscribe((raw) => {
    if (!isObject(raw) || raw.tabauth !== 1) return // foreign: ignore
    if (raw.type === 'dpopKeyRequest' && keys) channel.post({ tabauth: 1, type: 'dpopKey', keys })
    else if (raw.type === 'dpopKey' && !keys && isKeyPair(raw.keys)) keys = raw.keys
    else if (raw.type === 'dpopNonce' && typeof raw.origin === 'string' && typeof raw.nonce === 'string') nonces.set(raw.origin, raw.nonce)
  })
  return {
    keyPair() {
      if (keys) return Promise.resolve(keys)
      return (asking ??= (async () => {
        channel.post({ tabauth: 1, type: 'dpopKeyRequest' })
        await new Promise<void>((resolve) => (options.clock ?? browserClock).setTimeout(resolve, answerWaitMs))
        keys ??= await generateKeyPair()
        return keys
      })().finally(() => (asking = undefined)))
    },
    nonce: async (origin) => nonces.get(origin),
    async saveNonce(origin, nonce) {
      nonces.set(origin, nonce)
      channel.post({ tabauth: 1, type: 'dpopNonce', origin, nonce })
    },
    /** Leaves the channel: this tab no longer hands the key to the others. */
    dispose: leave,
  }
}

function isKeyPair(value: unknown): value is CryptoKeyPair {
  return isObject(value) && value.privateKey instanceof CryptoKey && value.publicKey instanceof CryptoKey
}

const DB_NAME = 'tabauth-dpop'
const KEYS = 'keys'
const NONCES = 'nonces'

export function indexedDBDPoPStore(key: string): DPoPStore {
  let db: Promise<IDBDatabase> | undefined
  let keys: Promise<CryptoKeyPair> | undefined
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
  const run = async <T>(name: string, mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const tx = (await open()).transaction(name, mode)
    const request = use(tx.objectStore(name))
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result)
      tx.onerror = tx.onabort = () => reject(tx.error ?? request.error)
    })
  }

  /** `add`, not `put`: when two tabs create a key at once, the first write wins and both use it. */
  async function loadOrCreate(): Promise<CryptoKeyPair> {
    const stored = (await run(KEYS, 'readonly', (s) => s.get(key))) as CryptoKeyPair | undefined
    if (stored) return stored
    const created = await generateKeyPair()
    try {
      await run(KEYS, 'readwrite', (s) => s.add(created, key))
      return created
    } catch {
      return (await run(KEYS, 'readonly', (s) => s.get(key))) as CryptoKeyPair
    }
  }

  return {
    keyPair: () => (keys ??= loadOrCreate().catch((error) => ((keys = undefined), Promise.reject(error)))),
    nonce: async (origin) => (await run(NONCES, 'readonly', (s) => s.get(`${key} ${origin}`))) as string | undefined,
    saveNonce: async (origin, nonce) => void (await run(NONCES, 'readwrite', (s) => s.put(nonce, `${key} ${origin}`))),
  }
}

export function defaultDPoPStore(key: string): DPoPStore {
  return typeof indexedDB === 'undefined' ? memoryDPoPStore() : indexedDBDPoPStore(key)
}
