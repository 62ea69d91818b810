import type { KeyValueStorage } from './adapters'
import { AuthError } from './errors'

/** What a login needs to remember across the redirect. Consumed exactly once. */
export interface Transaction {
  state: string
  codeVerifier: string
  nonce: string
  redirectUri: string
  returnTo: string
  createdAt: number
  /** The `max_age` the authorization request asked for, if any. */
  maxAge?: string
}

export const TRANSACTION_LIFETIME_MS = 10 * 60 * 1000

type Pending = Record<string, Transaction>

/**
 * Login transactions of one issuer and client, keyed by `state`, in one
 * sessionStorage entry (per tab). Several may be pending (the user clicked
 * "Sign in", came back, clicked again); expired ones are dropped on every write.
 */
export type TransactionStore = ReturnType<typeof transactionStore>

export function transactionStore(storage: KeyValueStorage, key: string) {
  function read(): Pending {
    try {
      const parsed: unknown = JSON.parse(storage.get(key) ?? '{}')
      if (typeof parsed !== 'object' || parsed === null) return {}
      const pending: Pending = {}
      for (const [state, tx] of Object.entries(parsed)) if (isTransaction(tx) && tx.state === state) pending[state] = tx
      return pending
    } catch {
      return {} // corrupt storage is no pending login
    }
  }

  function write(pending: Pending): void {
    if (Object.keys(pending).length === 0) storage.remove(key)
    else storage.set(key, JSON.stringify(pending))
  }

  return {
    save(tx: Transaction, now: number): void {
      const pending = read()
      pending[tx.state] = tx
      write(prune(pending, now))
    },

    has: (state: string | null): boolean => state !== null && state in read(),

    /**
     * Removes and returns the transaction for `state`, synchronously, before any
     * request is made: a second call (StrictMode, a reloaded callback URL) finds nothing.
     */
    take(state: string | null, now: number): Transaction {
      const pending = read()
      const tx = state === null ? undefined : pending[state]
      if (tx) delete pending[state as string]
      write(prune(pending, now))
      if (!tx && Object.keys(pending).length > 0) {
        // Logins are pending in this tab, but not this one: a forged or crossed callback. Theirs stay pending.
        throw new AuthError('STATE_MISMATCH', 'The callback\'s "state" matches no sign-in started in this tab.')
      }
      if (!tx) {
        throw new AuthError('TRANSACTION_MISSING', 'No sign-in is pending for this callback: it was already used (reload or Back), started in another tab, or made for another client.')
      }
      if (now - tx.createdAt > TRANSACTION_LIFETIME_MS) {
        throw new AuthError('TRANSACTION_EXPIRED', 'The sign-in took longer than 10 minutes; please sign in again.')
      }
      return tx
    },
  }
}

function prune(pending: Pending, now: number): Pending {
  return Object.fromEntries(Object.entries(pending).filter(([, tx]) => now - tx.createdAt <= TRANSACTION_LIFETIME_MS))
}

function isTransaction(value: unknown): value is Transaction {
  if (typeof value !== 'object' || value === null) return false
  const tx = value as Record<string, unknown>
  return (
    typeof tx.state === 'string' &&
    typeof tx.codeVerifier === 'string' &&
    typeof tx.nonce === 'string' &&
    typeof tx.redirectUri === 'string' &&
    typeof tx.returnTo === 'string' &&
    typeof tx.createdAt === 'number'
  )
}
