/**
 * DPoP keys and nonces shared by every tab (RFC 9449). The refresh token is bound
 * to one key pair, so every tab must sign with the same one: it lives in
 * IndexedDB as a CryptoKey whose private half is not extractable (script can
 * sign with it while the page is open, never read it out). The server's latest
 * `DPoP-Nonce` per origin is kept beside it, so the tab that refreshes next
 * sends a proof the server accepts the first time.
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
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

/** Memory only: the key dies with the tab; no other tab can use the tokens bound to it. */
export function memoryDPoPStore(): DPoPStore {
  let keys: Promise<CryptoKeyPair> | undefined
  const nonces = new Map<string, string>()
  return {
    keyPair: () => (keys ??= generateKeyPair()),
    nonce: async (origin) => nonces.get(origin),
    saveNonce: async (origin, nonce) => void nonces.set(origin, nonce),
  }
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
