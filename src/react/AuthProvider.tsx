import { useEffect, useState, type ReactNode } from 'react'
import { createAuthClient, type AuthClient, type AuthConfig } from '../core'
import { AuthContext } from './context'

export type AuthProviderProps = ({ client: AuthClient } | AuthConfig) & { children?: ReactNode }

/**
 * Makes the client available to the hooks and starts it (reads the session or finishes the
 * sign-in callback). Config props are read once, on mount: the provider makes its client from
 * them and disposes it when it unmounts for good (not on StrictMode's or Fast Refresh's remount,
 * which keep the same client). A `client` prop is the app's: started, never disposed here.
 */
export function AuthProvider({ children, ...props }: AuthProviderProps) {
  const [config] = useState(() => ('client' in props ? undefined : props))
  // StrictMode may call this twice and drop one client: a client sends nothing and listens to nothing before start(), so that is harmless.
  const [client, setClient] = useState(() => ('client' in props ? props.client : createAuthClient(props)))
  useEffect(() => {
    void client.start() // idempotent: StrictMode's second effect shares the first start
    // Disposed while an <Activity> hides the provider (effects cleaned up, state kept): a new client takes its
    // place, started when it shows again. After an unmount for good, React drops the update unread.
    if (config) return hold(client, () => setClient(() => createAuthClient(config)))
  }, [client, config])
  return <AuthContext.Provider value={client}>{children}</AuthContext.Provider>
}

const holders = new WeakMap<AuthClient, number>()

/**
 * An effect's hold on a client the provider made; the release disposes it once no effect holds it.
 * A microtask later, not at once: StrictMode and Fast Refresh run the cleanup and then the effect
 * again in one go, and the client must live on through that.
 */
function hold(client: AuthClient, replace: () => void): () => void {
  holders.set(client, (holders.get(client) ?? 0) + 1)
  return () => {
    holders.set(client, holders.get(client)! - 1)
    queueMicrotask(() => {
      if (holders.get(client) !== 0) return
      holders.delete(client) // a second release's microtask finds nothing to dispose
      client.dispose()
      replace()
    })
  }
}
