import { LoginButton, LogoutButton, useAuth, type AuthStatus } from 'tabauth'

const LABELS: Record<AuthStatus, string> = {
  loading: 'Checking your session…',
  signedOut: 'Signed out',
  redirecting: 'On the way to the sign-in page…',
  signedIn: 'Signed in',
  outage: 'Signed in; the sign-in server is not answering, retrying…',
  reloginRequired: 'Your session ended: sign in again',
  error: 'Sign-in is not available right now',
}

/** This tab's session in words, what went wrong (code, message, reason) and the one button that fits. */
export function SessionStatus() {
  const { status, user, error } = useAuth()
  return (
    <section className="session-status" aria-label="Session" data-status={status}>
      <p aria-live="polite">
        <strong>{LABELS[status]}</strong>
        {status === 'signedIn' && user && <> as {String(user.name ?? user.sub)}</>}
      </p>
      {error && (
        <p role="alert">
          <code>{error.code}</code> {error.message}
          {error.reason && (
            <>
              {' '}
              (reason: <code>{error.reason}</code>)
            </>
          )}
        </p>
      )}
      <LoginButton /> <LogoutButton />
    </section>
  )
}
