import type { AuthClient, AuthState } from '../../src'

/** A client whose state the test sets, recording what the UI asked of it. */
export function mockClient(initial: AuthState) {
  let state = initial
  const listeners = new Set<() => void>()
  const calls = { start: 0, login: [] as unknown[], logout: [] as unknown[], getAccessToken: 0 }
  const client: AuthClient & { set(next: AuthState): void; calls: typeof calls; nextToken: () => Promise<string> } = {
    calls,
    nextToken: async () => 'token',
    set(next) {
      state = next
      listeners.forEach((l) => l())
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    getSnapshot: () => state,
    async start() {
      calls.start++
    },
    async login(options) {
      calls.login.push(options)
      return options?.popup ? 'signedIn' : 'redirected'
    },
    async logout(options) {
      calls.logout.push(options)
      return { revocation: 'revoked' as const, endSession: 'local_only' as const }
    },
    getAccessToken() {
      calls.getAccessToken++
      return client.nextToken()
    },
    fetch: (input, init) => globalThis.fetch(input, init),
    onEvent: () => () => {},
    dispose() {},
  }
  return client
}
