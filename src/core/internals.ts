/**
 * What the React bindings need from a client and the public \`AuthClient\` does not say: the clock
 * it was given, so that \`useToken\` times expiry as the client does. Kept beside the client, not on
 * it, so that the public type stays as it is. A client made elsewhere (the mock of
 * \`tabauth/testing\`, an app's own) has none.
 */
import type { Clock } from './adapters'
import type { AuthClient } from './types'

// Weak: the registry never keeps a client alive.
const clocks = new WeakMap<AuthClient, Clock>()

/** Returns \`client\`, so that \`createAuthClient\` can register what it returns in one expression. */
export function register(client: AuthClient, clock: Clock): AuthClient {
  clocks.set(client, clock)
  return client
}

export const clockOf = (client: AuthClient): Clock | undefined => clocks.get(client)
