/**
 * The session store: the one place every tab reads and writes the token set.
 *
 * It is IndexedDB by default, not localStorage: in Chromium, a localStorage value
 * written by one tab under a Web Lock is often not yet visible to the next tab that
 * gets the lock (measured: ~30% of lock-ordered updates lost), and a stale refresh
 * token presented to a rotating server revokes the whole grant. IndexedDB
 * transactions are consistent across tabs.
 */
import { RETRIED_CODES, type InvalidGrantReason } from './errors'

export interface TokenSet {
  accessToken: string
  tokenType: string
  refreshToken?: string
  idToken?: string
  /** Milliseconds since the epoch; undefined when the server gave no `expires_in`. */
  expiresAt?: number
  /** When the refresh token dies whatever happens (`refresh_token_expires_in`, e.g. Entra ID for SPAs), in ms. */
  refreshExpiresAt?: number
  /** When the token request was sent (ms): `expiresAt` counts from it, never from the answer. */
  issuedAt: number
  scope?: string
  /** DPoP: the thumbprint of the key the tokens are bound to (RFC 9449 `cnf.jkt`); a new key per sign-in. */
  jkt?: string
}

/** The ID token's claims. */
/** The ID token's (or userinfo's) claims. Which are there depends on the scope: `name` needs `profile`, `email` needs `email` (not in the default scope). */
export interface User {
  sub: string
  name?: string
  email?: string
  [claim: string]: unknown
}

export interface Session {
  tokens: TokenSet
  /** From the ID token (or userinfo); absent with plain OAuth 2.0. */
  user?: User
}

/**
 * What the store holds per issuer and client. `generation` only grows: every
 * write (refresh, sign-in, sign-out) takes the next one, so a tab can tell
 * whether another tab has moved the session on since it last looked.
 */
export interface SessionRecord {
  v: 1
  generation: number
  session: Session | null
  /** Why there is no session: signed out, or the grant died and the user must sign in again. */
  ended?: 'signedOut' | 'reloginRequired'
  /** For reloginRequired: why the grant died, most likely first (see explain.ts). */
  reasons?: InvalidGrantReason[]
  /** When a tab took on the automatic re-login redirect for every tab (`relogin({ redirect: true })` of tabauth/relogin). */
  reloginClaimedAt?: number
  /** The shared backoff after transient refresh failures: no tab sends before `notBefore`. */
  retry?: RetrySchedule
}

/**
 * Written under the lock by the tab whose refresh failed for a transient reason
 * (network, timeout, 5xx, 429), so that every tab follows one schedule: one
 * request per retry step for the whole browser. A new session clears it.
 */
export interface RetrySchedule {
  /** Transient failures in a row. */
  failures: number
  /** When the failure was recorded (ms). */
  at: number
  /** No refresh before this time (ms), the server's Retry-After included. */
  notBefore: number
  /** The last failure, for the tabs that did not see it themselves. */
  error: { code: (typeof RETRIED_CODES)[number]; message: string; status?: number }
}

export interface SessionStore {
  get(key: string): Promise<unknown>
  set(key: string, value: SessionRecord): Promise<void>
  /** For stores that learn of changes by themselves (memory-only mode); the channel covers the others. */
  subscribe?(listener: () => void): () => void
  /** Set by `memoryOnlyStore()`: nothing of the session may be kept at rest (the first-render hint refuses it). */
  readonly memoryOnly?: true
}

export const emptyRecord: SessionRecord = { v: 1, generation: 0, session: null }

/** Storage is input like any other: anything that is not a well-formed record is no session. */
export function parseRecord(raw: unknown): SessionRecord | undefined {
  if (!isObject(raw) || raw.v !== 1 || !Number.isSafeInteger(raw.generation) || (raw.generation as number) < 0) return undefined
  if (raw.ended !== undefined && raw.ended !== 'signedOut' && raw.ended !== 'reloginRequired') return undefined
  if (!optional(raw.reloginClaimedAt, 'number')) return undefined
  if (raw.reasons !== undefined && !(Array.isArray(raw.reasons) && raw.reasons.every((r) => typeof r === 'string'))) return undefined
  if (raw.retry !== undefined && !isRetrySchedule(raw.retry)) return undefined
  if (raw.session === null) return raw as unknown as SessionRecord
  const session = raw.session
  if (!isObject(session) || !isObject(session.tokens) || (session.user !== undefined && !isObject(session.user))) return undefined
  const { tokens, user } = session
  const ok =
    typeof tokens.accessToken === 'string' &&
    typeof tokens.tokenType === 'string' &&
    typeof tokens.issuedAt === 'number' &&
    optional(tokens.refreshToken, 'string') &&
    optional(tokens.idToken, 'string') &&
    optional(tokens.expiresAt, 'number') &&
    optional(tokens.refreshExpiresAt, 'number') &&
    optional(tokens.scope, 'string') &&
    (user === undefined || typeof user.sub === 'string')
  return ok ? (raw as unknown as SessionRecord) : undefined
}

function isRetrySchedule(value: unknown): value is RetrySchedule {
  if (!isObject(value) || !Number.isSafeInteger(value.failures) || typeof value.at !== 'number' || typeof value.notBefore !== 'number' || !isObject(value.error)) return false
  const { code, message, status } = value.error
  return (RETRIED_CODES as readonly unknown[]).includes(code) && typeof message === 'string' && optional(status, 'number')
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function optional(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || typeof value === type
}

/** For tests and for runtimes without IndexedDB. Several clients may share one. */
export function memoryStore(): SessionStore {
  const data = new Map<string, unknown>()
  return {
    get: async (key) => structuredClone(data.get(key)),
    set: async (key, value) => void data.set(key, structuredClone(value)),
  }
}

const DB_NAME = 'tabauth'
const OBJECT_STORE = 'sessions'

export function indexedDBStore(): SessionStore {
  let db: Promise<IDBDatabase> | undefined
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1)
      request.onupgradeneeded = () => request.result.createObjectStore(OBJECT_STORE)
      request.onsuccess = () => {
        const connection = request.result
        // Let a newer version of the library upgrade the database; reopen on next use.
        connection.onversionchange = () => {
          connection.close()
          db = undefined
        }
        resolve(connection)
      }
      request.onerror = () => {
        db = undefined
        reject(request.error)
      }
    }))

  const run = async <T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const tx = (await open()).transaction(OBJECT_STORE, mode, { durability: 'strict' })
    const request = use(tx.objectStore(OBJECT_STORE))
    // Resolve on `complete`, not on the request's success: only then is a write visible to other tabs.
    return new Promise<T>((resolve, reject) => {
      tx.oncomplete = () => resolve(request.result)
      tx.onerror = tx.onabort = () => reject(tx.error ?? request.error)
    })
  }

  // Open now, while React renders its first (loading) frame, not after: the first snapshot waits for one read only. A failure is retried on first use.
  open().catch(() => {})
  return {
    get: (key) => run('readonly', (store) => store.get(key)),
    set: async (key, value) => void (await run('readwrite', (store) => store.put(value, key))),
  }
}

export function defaultStore(): SessionStore {
  return typeof indexedDB === 'undefined' ? memoryStore() : indexedDBStore()
}
