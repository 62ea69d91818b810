/**
 * `tabauth/hint`: a new tab's first snapshot without waiting for IndexedDB, whose open costs a new tab about 30 ms
 * in Chromium. Every write of the session record also keeps what the first frame renders (generation,
 * expiry, the user's display claims) in localStorage, which a page reads synchronously. Never a token
 * and never a protocol claim (nonce, sid, at_hash, ...): Web Storage is the easiest place for injected
 * script to read, and every write reaches each same-origin document as a `storage` event. The snapshot
 * it gives has no access token; the store's read, which every token request waits for, adds it.
 */
import { webStorage, type KeyValueStorage } from '../core/adapters'
import { AuthError } from '../core/errors'
import type { FirstRenderHint, SignedIn } from '../core/hint'
import { isObject, type SessionStore } from '../core/store'

export type { FirstRenderHint } from '../core/hint'

export interface FirstRenderHintOptions {
  /** Where the hint is kept. Default localStorage (a page reads it synchronously; sessionStorage is per tab). */
  storage?: KeyValueStorage
}

/**
 * `createAuthClient({ hint: firstRenderHint() })`: with the default IndexedDB store, a new tab of a
 * signed-in app renders signedIn (with its user) in its first frame. Not beside memory-only mode,
 * which keeps nothing at rest: the hint would keep the user's display claims, so the two are a CONFIG error.
 */
export function firstRenderHint(options: FirstRenderHintOptions = {}): FirstRenderHint {
  return {
    bind(key) {
      const storage = options.storage ?? webStorage('localStorage')
      return { wrap: (store) => hintedStore(store, storage, key), read: (now) => readHint(storage, key, now) }
    },
  }
}

const hintKey = (key: string) => `tabauth:hint:${key}`

/** ID token claims that say how the session was made, not who the user is: kept out of the hint. */
const PROTOCOL_CLAIMS = ['nonce', 'sid', 'at_hash', 'c_hash', 's_hash', 'auth_time', 'acr', 'amr', 'azp', 'aud', 'iss', 'iat', 'nbf', 'exp', 'jti', 'cnf']

/** `store`, whose writes of `key` also keep (or, without a session, remove) the hint. */
function hintedStore(store: SessionStore, storage: KeyValueStorage, key: string): SessionStore {
  // Memory-only mode promises nothing at rest; the hint would keep the user's name in localStorage.
  if (store.memoryOnly) throw new AuthError('CONFIG', "hint: firstRenderHint() keeps the user's display claims in localStorage, and memory-only mode keeps nothing at rest: leave one of them out.")
  return {
    get: (read) => store.get(read),
    subscribe: store.subscribe && ((listener) => store.subscribe!(listener)),
    async set(written, record) {
      await store.set(written, record)
      if (written !== key) return
      try {
        if (!record.session) return storage.remove(hintKey(key))
        const { tokens, user } = record.session
        storage.set(
          hintKey(key),
          JSON.stringify({ generation: record.generation, expiresAt: tokens.expiresAt, user }, (k, v) => (PROTOCOL_CLAIMS.includes(k) ? undefined : v)),
        )
      } catch {
        storage.remove(hintKey(key)) // full or refused: no hint rather than an old one
      }
    },
  }
}

/** The signed-in snapshot the hint gives (without an access token), while its expiry is ahead; otherwise none. */
function readHint(storage: KeyValueStorage, key: string, now: number): SignedIn | undefined {
  let hint: unknown
  try {
    hint = JSON.parse(storage.get(hintKey(key)) ?? 'null')
  } catch {
    return undefined // corrupt: the store's read decides
  }
  if (!isObject(hint) || !Number.isSafeInteger(hint.generation)) return undefined
  if (typeof hint.expiresAt !== 'number' || hint.expiresAt <= now) return undefined
  if (hint.user !== undefined && !(isObject(hint.user) && typeof hint.user.sub === 'string')) return undefined
  return { status: 'signedIn', user: hint.user as SignedIn['user'], expiresAt: hint.expiresAt, generation: hint.generation as number }
}
