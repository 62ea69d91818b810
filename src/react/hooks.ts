import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import type { AuthClient, AuthError, AuthState, AuthStatus, LoginOptions, LoginResult, LogoutOptions, LogoutResult, User } from '../core'
import { browserClock, type Clock } from '../core/adapters'
import { clockOf as registeredClock } from '../core/internals'
import { useAuthClient } from './context'

/** The client's snapshot: React keeps no copy of its own. */
function useAuthState(client: AuthClient): AuthState {
  return useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot)
}

export interface UseAuthResult {
  status: AuthStatus
  user?: User
  error?: AuthError
  login(options?: LoginOptions): Promise<LoginResult>
  logout(options?: LogoutOptions): Promise<LogoutResult>
}

export function useAuth(): UseAuthResult {
  const client = useAuthClient()
  const state = useAuthState(client)
  return useMemo(
    () => ({
      status: state.status,
      user: 'user' in state ? state.user : undefined,
      error: 'error' in state ? state.error : undefined,
      login: client.login,
      logout: client.logout,
    }),
    [client, state],
  )
}

export interface UseTokenResult {
  status: AuthStatus
  accessToken?: string
  /** Milliseconds since the epoch. */
  expiresAt?: number
  error?: AuthError
}

/**
 * The current access token for rendering. When it is stale the hook asks the
 * client for a fresh one (one refresh for all callers in all tabs). It never
 * returns a token past its `expiresAt`: `accessToken` is then undefined until the
 * new one arrives. For requests, prefer `useGetToken()`: it awaits a fresh token
 * at call time.
 */
export function useToken(): UseTokenResult {
  const client = useAuthClient()
  const state = useAuthState(client)
  const [failure, setFailure] = useState<{ state: AuthState; error: AuthError }>()
  const expiresAt = state.status === 'signedIn' ? state.expiresAt : undefined
  const [expiredAt, setExpiredAt] = useState<number>()
  const clock = clockOf(client)
  const expired = expiresAt !== undefined && (expiredAt === expiresAt || clock.now() >= expiresAt)

  // Re-render when the token expires, so that it is never shown (or used) past that moment.
  useEffect(() => {
    if (expiresAt === undefined || expired) return
    return clock.setTimeout(() => setExpiredAt(expiresAt), Math.min(expiresAt - clock.now(), 2 ** 31 - 1))
  }, [clock, expiresAt, expired])

  useEffect(() => {
    if (state.status !== 'signedIn') return
    let current = true
    client.getAccessToken().catch((error: AuthError) => current && setFailure({ state, error }))
    return () => {
      current = false
    }
  }, [client, state])

  if (state.status === 'signedIn') {
    // A failure belongs to the snapshot it was met with; a newer snapshot starts clean.
    const error = failure?.state === state ? failure.error : undefined
    return { status: state.status, accessToken: expired ? undefined : state.accessToken, expiresAt: state.expiresAt, error }
  }
  return { status: state.status, error: 'error' in state ? state.error : undefined }
}

/** The client's own clock, so that expiry is timed as the client times it; the browser's for a client made elsewhere (the mock). */
function clockOf(client: AuthClient): Clock {
  return registeredClock(client) ?? browserClock
}

/** A stable `() => Promise<string>` for event handlers and fetchers. */
export function useGetToken(): () => Promise<string> {
  const client = useAuthClient()
  return useCallback(() => client.getAccessToken(), [client])
}
