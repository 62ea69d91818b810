/** The snapshot every tab shows, derived from the session record it holds. */
import { AuthError, isTransient, LoginRequiredError } from './errors'
import type { Refusal, SessionRecord } from './store'
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
    if (record.refusal?.code === 'CONFIG')
      return { status: 'error', error: current.status === 'error' && current.error.code === 'CONFIG' && !error ? current.error : (error ?? refusalError(record.refusal)) }
    const previousUser = current.status === 'signedIn' || current.status === 'reloginRequired' ? current.user : undefined
    const known = current.status === 'reloginRequired' && !error ? current.error : error
    const cause = record.refusal && refusalError(record.refusal)
    return {
      status: 'reloginRequired',
      user: previousUser,
      error:
        known ??
        new LoginRequiredError('The session ended at the server (the grant was revoked or expired): sign in again.', { reasons: record.reasons, cause, status: cause?.status, error: cause?.error }),
    }
  }
  return { status: 'signedOut' }
}

/**
 * The outage: `error` while the session is kept (a refresh failing for a transient reason, or still
 * under way past the token's expiry). Every other `error` is a failed sign-in or a configuration error.
 */
export function isOutage(state: AuthState): boolean {
  return state.status === 'error' && isTransient(state.error)
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

/** The answer that ended the session, as the tab that got it saw it (the record carries it to every tab). */
function refusalError({ code, status, error, errorDescription, contentType }: Refusal): AuthError {
  const said = error ? `${error}${errorDescription ? `: ${errorDescription}` : ''}` : `no OAuth error, content type ${contentType ?? 'none'}`
  return new AuthError(code, `The token endpoint refused the refresh (HTTP ${status ?? '?'}, ${said}).`, { status, error, errorDescription, contentType })
}
