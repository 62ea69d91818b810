import type { ButtonHTMLAttributes, ReactNode } from 'react'
import { useAuth } from './hooks'

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'disabled'> & { children?: ReactNode }

/**
 * Starts sign-in. "Sign in", or "Sign in again" when the session ended at the
 * server; disabled while loading or redirecting; renders nothing when signed in.
 * With `popup`, "Sign in again" signs in in a popup: the page keeps its state.
 */
export function LoginButton({ children, returnTo, popup, ...props }: ButtonProps & { returnTo?: string; popup?: boolean }) {
  const { status, login } = useAuth()
  if (status === 'signedIn' || status === 'outage') return null
  const busy = status === 'loading' || status === 'redirecting'
  const label = status === 'redirecting' ? 'Signing in…' : status === 'reloginRequired' ? 'Sign in again' : 'Sign in'
  return (
    <button type="button" {...props} disabled={busy} aria-busy={busy || undefined} onClick={() => login({ returnTo, popup: popup && status === 'reloginRequired' }).catch(() => {})}>
      {children ?? label}
    </button>
  )
}

/**
 * Ends the session in every tab and at the server. Renders nothing when there is no session: signed
 * out, and `error` (a failed sign-in, a rejected client); an `outage` keeps the session, and the button.
 */
export function LogoutButton({ children, localOnly, ...props }: ButtonProps & { localOnly?: boolean }) {
  const { status, logout } = useAuth()
  if (status === 'signedOut' || status === 'error') return null
  const busy = status === 'loading' || status === 'redirecting'
  return (
    <button type="button" {...props} disabled={busy} aria-busy={busy || undefined} onClick={() => logout({ localOnly }).catch(() => {})}>
      {children ?? (status === 'redirecting' ? 'Signing out…' : 'Sign out')}
    </button>
  )
}
