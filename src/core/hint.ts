/**
 * A new tab's first snapshot without waiting for IndexedDB, whose open costs a new tab about 30 ms
 * in Chromium. Every write of the session record also keeps the snapshot it gives (access token,
 * expiry, user, generation; never the refresh token or the ID token) in localStorage, which a page
 * reads synchronously. The hint sets the first snapshot only: the session itself, and every refresh,
 * still come from the store under the lock, and the store's read replaces the hint at once.
 */
import type { KeyValueStorage } from './adapters'
import { isObject, type SessionStore } from './store'
import type { AuthState } from './types'

type SignedIn = Extract<AuthState, { status: 'signedIn' }>

const hintKey = (key: string) => `tabauth:hint:${key}`

/** `store`, whose writes of `key` also keep (or, without a session, remove) the hint. */
export function hintedStore(store: SessionStore, storage: KeyValueStorage, key: string): SessionStore {
  return {
    get: (read) => store.get(read),
    subscribe: store.subscribe && ((listener) => store.subscribe!(listener)),
    async set(written, record) {
      await store.set(written, record)
      if (written !== key) return
      try {
        if (!record.session) return storage.remove(hintKey(key))
        const { tokens, user } = record.session
        storage.set(hintKey(key), JSON.stringify({ generation: record.generation, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, user }))
      } catch {
        storage.remove(hintKey(key)) // full or refused: no hint rather than an old one
      }
    },
  }
}

/** The signed-in snapshot the hint gives, while its access token is unexpired; otherwise none. */
export function readHint(storage: KeyValueStorage, key: string, now: number): SignedIn | undefined {
  let hint: unknown
  try {
    hint = JSON.parse(storage.get(hintKey(key)) ?? 'null')
  } catch {
    return undefined // corrupt: the store's read decides
  }
  if (!isObject(hint) || !Number.isSafeInteger(hint.generation) || typeof hint.accessToken !== 'string') return undefined
  if (typeof hint.expiresAt !== 'number' || hint.expiresAt <= now) return undefined
  if (hint.user !== undefined && !(isObject(hint.user) && typeof hint.user.sub === 'string')) return undefined
  return { status: 'signedIn', user: hint.user as SignedIn['user'], accessToken: hint.accessToken, expiresAt: hint.expiresAt, generation: hint.generation as number }
}
