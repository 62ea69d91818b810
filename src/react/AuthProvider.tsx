import { useEffect, useState, type ReactNode } from 'react'
import { createAuthClient, type AuthClient, type AuthConfig } from '../core'
import { AuthContext } from './context'

export type AuthProviderProps = ({ client: AuthClient } | AuthConfig) & { children?: ReactNode }

/**
 * Makes the client available to the hooks and starts it (reads the session or
 * finishes the sign-in callback). Config props are read once, on mount.
 */
export function AuthProvider({ children, ...props }: AuthProviderProps) {
  // StrictMode may call this twice and drop one client: creating a client does no I/O, so that is harmless.
  const [client] = useState(() => ('client' in props ? props.client : createAuthClient(props)))
  useEffect(() => {
    void client.start() // idempotent: StrictMode's second effect shares the first start
  }, [client])
  return <AuthContext.Provider value={client}>{children}</AuthContext.Provider>
}
