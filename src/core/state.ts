/** The snapshot every tab shows, derived from the session record it holds. */
import { AuthError, LoginRequiredError } from './errors'
import type { SessionRecord } from './store'
import type { AuthState } from './types'

/**
 * The state for `record`, given the current one: a re-login keeps the user it
 * was for and the reason it already knows unless `error` brings a new one.
 */
export function stateFor(record: SessionRecord, current: AuthState, error?: AuthError): AuthState {
  const session = record.session
  if (session) {
    const { tokens, user } = session
    return { status: 'signedIn', user, accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, generation: record.generation }
  }
  if (record.ended === 'reloginRequired') {
    // The server rejected the client itself: a re-login can't help until its configuration changes.
    if (isMisconfigured(record)) {
      const known = current.status === 'error' && current.error.code === 'CONFIG' && !error ? current.error : error
      return {
        status: 'error',
        error:
          known ??
          new AuthError('CONFIG', "The token endpoint rejected this client (invalid_client, unauthorized_client): check clientId and the client's registration at the server.", {
            reasons: record.reasons,
          }),
      }
    }
    const previousUser = current.status === 'signedIn' || current.status === 'reloginRequired' ? current.user : undefined
    const known = current.status === 'reloginRequired' && !error ? current.error : error
    return {
      status: 'reloginRequired',
      user: previousUser,
      error: known ?? new LoginRequiredError('The session ended at the server (the grant was revoked or expired): sign in again.', { reasons: record.reasons }),
    }
  }
  return { status: 'signedOut' }
}

/**
 * Snapshots stay the same object unless a field changed, so React re-renders only on change. The
 * user is compared by value: the first-render hint's copy and the store's are different objects.
 */
export function sameState(a: AuthState, b: AuthState): boolean {
  const keysA = Object.keys(a)
  const same = (k: string) => {
    const [x, y] = [(a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]]
    return Object.is(x, y) || (k === 'user' && JSON.stringify(x) === JSON.stringify(y))
  }
  return keysA.length === Object.keys(b).length && keysA.every(same)
}

/**
 * The session ended because the server rejected the client itself (invalid_client, unauthorized_client):
 * every tab shows the CONFIG error, and no tab offers a re-login. Tabs of earlier releases read such a
 * record as reloginRequired: the reason is new, the record's shape is not.
 */
export function isMisconfigured(record: SessionRecord): boolean {
  // Only an ended session carries reasons (refresh.ts).
  return record.reasons?.[0] === 'client_rejected'
}

/** REFRESH_PENDING on screen: the token expired while a refresh (this tab's or another's) is under way. */
export function isPending(state: AuthState): boolean {
  return state.status === 'outage' && state.error.code === 'REFRESH_PENDING'
}
