import { LoginButton, useAuth } from 'tabauth'
import { RequireAuth } from 'tabauth/guard'

/** /protected: a page behind the route guard. Signed out, it signs in by itself once, then shows why not. */
export function Protected() {
  return (
    <section>
      <h2>Protected page</h2>
      <RequireAuth fallback={<p data-testid="guard-fallback">Checking your session…</p>} renderError={() => <SignInAgain />}>
        <Secret />
      </RequireAuth>
    </section>
  )
}

function Secret() {
  const { user } = useAuth()
  return <p data-testid="protected-content">Only for signed-in users: hello {String(user?.name ?? user?.sub)}.</p>
}

/** The page above already shows the error; here, only the way forward. */
function SignInAgain() {
  return (
    <p data-testid="guard-stopped">
      This page needs you to sign in. <LoginButton />
    </p>
  )
}
