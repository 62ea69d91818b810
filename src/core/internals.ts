/**
 * What the React layer may know of a client made by `createAuthClient`, without widening the
 * public `AuthClient` type: its clock (so that `useToken` times the token's expiry on the same
 * clock as the client), and whether it was disposed.
 */
import type { Clock } from './adapters'
import type { AuthClient } from './types'

export interface ClientInternals {
  clock: Clock
  disposed(): boolean
}

const registry = new WeakMap<AuthClient, ClientInternals>()

export function register(client: AuthClient, internals: ClientInternals): AuthClient {
  registry.set(client, internals)
  return client
}

/** Undefined for clients made elsewhere (the mock client of `tabauth/testing`, an app's own). */
export function internalsOf(client: AuthClient): ClientInternals | undefined {
  return registry.get(client)
}
