import { useEffect, useState, type ReactNode } from 'react'
import type { AuthError } from '../core'
import { LoginButton } from '../react/buttons'
import { useAuthClient } from '../react/context'
import { useAuth, type UseAuthResult } from '../react/hooks'

export interface UseRequireAuthResult extends UseAuthResult {
  /** The session ended by a sign-out (in this tab or another) while this page was open: no automatic sign-in follows. */
  signedOutHere: boolean
}

/**
 * Starts sign-in when there is no session and nothing went wrong (`signedOut` without an error),
 * coming back to `returnTo` (default: the current path). The client allows one such redirect per tab
 * per `reloginWindowSeconds`; a refused sign-in, `error` and `reloginRequired` are never redirected.
 * Nor is a sign-out seen while the page is open: a guarded page in another tab would otherwise sign
 * the user straight back in wherever the server keeps its login session (single sign-on).
 */
export function useRequireAuth({ returnTo }: { returnTo?: string } = {}): UseRequireAuthResult {
  const client = useAuthClient()
  const auth = useAuth()
  // From the snapshots this page rendered, not the `signedOut` event: React 18 runs the effect of the
  // signedOut render before the client emits the event. A session that ends otherwise is
  // reloginRequired (or a failed sign-in, signedOut with an error), so signedIn -> signedOut is a sign-out.
  const [hadSession, setHadSession] = useState(false)
  if (auth.status === 'signedIn' && !hadSession) setHadSession(true)
  const signedOutHere = hadSession && auth.status === 'signedOut'
  const start = auth.status === 'signedOut' && !auth.error && !signedOutHere
  useEffect(() => {
    if (start) client.autoLogin({ returnTo }).catch(() => {}) // a failure shows as the `error` status
  }, [client, start, returnTo])
  return { ...auth, signedOutHere }
}

export interface RequireAuthProps {
  children?: ReactNode
  /** Shown while the session loads and on the way to sign-in. Default: nothing. */
  fallback?: ReactNode
  /**
   * Shown instead of a redirect when sign-in cannot start by itself: a refused sign-in, `error`,
   * `reloginRequired`, or a second automatic sign-in within the window (`RELOGIN_LOOP`).
   * Default: the message (`role="alert"`) and a `LoginButton`.
   */
  renderError?: (error: AuthError) => ReactNode
  /** Where to come back to after sign-in. Default: the current path. */
  returnTo?: string
  /** Shown after a sign-out seen while the page was open (no automatic sign-in follows). Default: a `LoginButton`. */
  signedOut?: ReactNode
}

/** Renders its children only when signed in; otherwise signs the user in, at most once per window, never in a loop. */
export function RequireAuth({
  children,
  fallback = null,
  returnTo,
  renderError = (error) => <SignInPrompt error={error} returnTo={returnTo} />,
  signedOut = <LoginButton returnTo={returnTo} />,
}: RequireAuthProps) {
  const { status, error, signedOutHere } = useRequireAuth({ returnTo })
  // An outage keeps the session: the page stays, its requests wait for the next token or report the failure.
  return <>{status === 'signedIn' || status === 'outage' ? children : error ? renderError(error) : status === 'signedOut' && signedOutHere ? signedOut : fallback}</>
}

function SignInPrompt({ error, returnTo }: { error: AuthError; returnTo?: string }) {
  return (
    <div role="alert">
      <p>{error.message}</p>
      <LoginButton returnTo={returnTo} />
    </div>
  )
}
