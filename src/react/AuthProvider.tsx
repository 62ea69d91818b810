import { useEffect, useRef, useState, type ReactNode } from 'react'
import { createAuthClient, type AuthClient, type AuthConfig } from '../core'
import { AuthContext } from './context'

export type AuthProviderProps = ({ client: AuthClient } | AuthConfig) & { children?: ReactNode }

/**
 * Makes the client available to the hooks and starts it (reads the session or
 * finishes the sign-in callback). Config props are read once, on mount. A client
 * the provider created is disposed when it unmounts; a `client` prop is the app's.
 */
export function AuthProvider({ children, ...props }: AuthProviderProps) {
  // StrictMode may call this twice and drop one client: creating a client starts nothing (no timer, no subscription).
  const [{ client, owned }] = useState(() => ('client' in props ? { client: props.client, owned: false } : { client: createAuthClient(props), owned: true }))
  // Effects that currently hold the client: StrictMode and hot reload run the cleanup and the effect
  // again at once, keeping this client; only when no effect came back is it disposed.
  const holders = useRef({ count: 0 })
  useEffect(() => {
    void client.start() // idempotent: StrictMode's second effect shares the first start
    if (!owned) return
    const held = holders.current
    held.count++
    return () => {
      held.count--
      queueMicrotask(() => held.count === 0 && client.dispose())
    }
  }, [client, owned])
  return <AuthContext.Provider value={client}>{children}</AuthContext.Provider>
}
