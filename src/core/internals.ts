/**
 * What the React bindings need from a client and the public `AuthClient` does not say: the
 * clock it was given (so that `useToken` times expiry as the client does) and whether it was
 * disposed. Kept beside the client, not on it, so that the public type stays as it is. A client
 * made elsewhere (the mock of `tabauth/testing`, an app's own) has none.
 */
import type { Clock } from './adapters'
import type { AuthClient } from './types'

export interface ClientInternals {
  clock: Clock
  disposed(): boolean
}

// Weak: the registry never keeps a client alive.
const registry = new WeakMap<AuthClient, ClientInternals>()

/** Returns `client`, so that `createAuthClient` can register what it returns in one expression. */
export function register<T extends AuthClient>(client: T, internals: ClientInternals): T {
  registry.set(client, internals)
  return client
}

export function internalsOf(client: AuthClient): ClientInternals | undefined {
  return registry.get(client)
}
