/**
 * Stand-ins for the browser APIs behind the core's default adapters (IndexedDB, BroadcastChannel,
 * Web Locks, Web Storage), each recording the names it is used with and what is written there.
 * For tests of the defaults themselves: compat.test.ts checks that two builds meet under the same
 * names. Other tests inject the fakes of fakes.ts; the real APIs are test/browser's.
 * Only as much of each API as tabauth's adapters use.
 */
import { vi } from 'vitest'
import { inTabLock } from '../../src'

const later = (fn: () => void) => void setTimeout(fn, 0)

interface Database {
  version: number
  stores: Map<string, Map<IDBValidKey, unknown>>
  connections: Set<{ onversionchange: (() => void) | null }>
}

/** IndexedDB: databases with versions and object stores; one request per transaction, as tabauth uses it. */
export function fakeIndexedDB() {
  const databases = new Map<string, Database>()
  /** `name vN` of every open. */
  const opened = new Set<string>()
  const writes: Array<{ database: string; store: string; key: IDBValidKey; value: unknown }> = []

  function connect(name: string, db: Database) {
    const connection = {
      onversionchange: null as (() => void) | null,
      createObjectStore: (store: string) => void db.stores.set(store, new Map()),
      close: () => void db.connections.delete(connection),
      transaction(store: string, mode: IDBTransactionMode) {
        const data = db.stores.get(store)
        if (!data) throw new DOMException(`No object store "${store}" in ${name} v${db.version}.`, 'NotFoundError')
        const tx = {
          oncomplete: null as (() => void) | null,
          onerror: null as (() => void) | null,
          onabort: null as (() => void) | null,
          error: null,
          objectStore() {
            const request = (run: () => unknown) => {
              const req = { result: undefined as unknown }
              later(() => {
                req.result = run()
                later(() => tx.oncomplete?.())
              })
              return req
            }
            return {
              get: (key: IDBValidKey) => request(() => structuredClone(data.get(key))),
              put(value: unknown, key: IDBValidKey) {
                if (mode !== 'readwrite') throw new DOMException('read-only transaction', 'ReadOnlyError')
                const copy = structuredClone(value) // cloned when put, as IndexedDB does
                writes.push({ database: name, store, key, value: copy })
                return request(() => (data.set(key, copy), key))
              },
            }
          },
        }
        return tx
      },
    }
    db.connections.add(connection)
    return connection
  }

  const factory = {
    open(name: string, version = 1) {
      opened.add(`${name} v${version}`)
      const request = {
        result: undefined as unknown,
        error: null as DOMException | null,
        onupgradeneeded: null as (() => void) | null,
        onsuccess: null as (() => void) | null,
        onerror: null as (() => void) | null,
      }
      later(() => {
        const db = databases.get(name) ?? { version: 0, stores: new Map(), connections: new Set() }
        if (version < db.version) {
          request.error = new DOMException(`${name} is at version ${db.version}, not ${version}.`, 'VersionError')
          return request.onerror?.()
        }
        databases.set(name, db)
        const upgrade = version > db.version
        // A real upgrade waits for the other connections to close; tabauth's close on versionchange.
        if (upgrade) for (const other of db.connections) other.onversionchange?.()
        db.version = version
        request.result = connect(name, db)
        if (upgrade) request.onupgradeneeded?.()
        request.onsuccess?.()
      })
      return request
    },
  }
  return { factory, opened, writes }
}

/** BroadcastChannel: every other open instance of the same name hears a message, as a task. */
export function fakeBroadcastChannels() {
  const open = new Set<FakeBroadcastChannel>()
  const posted: Array<{ channel: string; message: unknown }> = []
  class FakeBroadcastChannel {
    private readonly listeners = new Set<(event: { data: unknown }) => void>()
    constructor(readonly name: string) {
      open.add(this)
    }
    postMessage(message: unknown) {
      posted.push({ channel: this.name, message })
      for (const other of open) {
        if (other === this || other.name !== this.name) continue
        const data = structuredClone(message)
        later(() => other.listeners.forEach((listener) => listener({ data })))
      }
    }
    addEventListener(_type: 'message', listener: (event: { data: unknown }) => void) {
      this.listeners.add(listener)
    }
    removeEventListener(_type: 'message', listener: (event: { data: unknown }) => void) {
      this.listeners.delete(listener)
    }
    close() {
      open.delete(this)
    }
  }
  return { BroadcastChannel: FakeBroadcastChannel, posted }
}

/** `navigator.locks`: exclusive per name (one realm plays every tab). */
export function fakeWebLocks() {
  const names = new Set<string>()
  const lock = inTabLock()
  const locks = {
    request: (name: string, options: { signal?: AbortSignal }, fn: () => Promise<unknown>) => {
      names.add(name)
      return lock.run(name, fn, { signal: options.signal ?? new AbortController().signal })
    },
  }
  return { locks, names }
}

/** localStorage or sessionStorage. */
export function fakeWebStorage() {
  const data = new Map<string, string>()
  const keys = new Set<string>()
  const storage = {
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void (keys.add(key), data.set(key, String(value))),
    removeItem: (key: string) => void data.delete(key),
  }
  return { storage, data, keys }
}

/** Puts all four in place of the globals (undone by `vi.unstubAllGlobals()`); returns their recordings. */
export function stubBrowser() {
  const indexedDB = fakeIndexedDB()
  const channels = fakeBroadcastChannels()
  const locks = fakeWebLocks()
  const localStorage = fakeWebStorage()
  vi.stubGlobal('indexedDB', indexedDB.factory)
  vi.stubGlobal('BroadcastChannel', channels.BroadcastChannel)
  vi.stubGlobal('navigator', { locks: locks.locks, onLine: true })
  vi.stubGlobal('localStorage', localStorage.storage)
  return { indexedDB, channels, locks, localStorage }
}
