// From the package itself, so that an app's `AuthError` and the mock's are one class (instanceof works).
import {
  AuthError,
  invalidGrantHints,
  isTransient,
  LoginRequiredError,
  type AuthClient,
  type AuthEvent,
  type AuthState,
  type AuthStatus,
  type InvalidGrantReason,
  type LogoutResult,
  type User,
} from 'tabauth'
// A pure function, bundled into this entry (the classes above come from the package, for instanceof).
import { isResourceServer } from '../core/url'

export interface MockAuthClientOptions {
  /** Default `signedOut`. Where a status needs more (a user, an error), the defaults below fill it in. */
  status?: AuthStatus
  /** Default `{ sub: 'alice', name: 'Alice Example', email: 'alice@example.com' }`. */
  user?: User
  /**
   * For `outage`, `error`, `reloginRequired` and `signedOut`. Defaults: for `outage` a `NETWORK` error, for `error`
   * a `DISCOVERY_FAILED` error, for `reloginRequired` an explained `invalid_grant`.
   */
  error?: AuthError
  /** Default `mock-access-token-<generation>`. */
  accessToken?: string
  /** Seconds until the access token expires. Default 300. */
  expiresIn?: number
  /** What `client.fetch` sends through (with the token attached). Default `globalThis.fetch`, looked up at call time. */
  fetch?: typeof fetch
  /** As the real client's: where `client.fetch` may send the token. Default the page's origin (`http://localhost` outside a page). */
  resourceServers?: string[]
}

type Recorded = Exclude<keyof AuthClient, 'getSnapshot'>

/** The arguments of every call the app made, per method, in order (`getSnapshot` is not recorded: React calls it on every render). */
export type MockCalls = { [K in Recorded]: Array<Parameters<AuthClient[K]>> }

export interface MockAuthClient extends AuthClient {
  readonly calls: MockCalls
  /** The user came back signed in (`signedIn` event). */
  signIn(user?: User): void
  /** The access token expired: the next `getAccessToken()` refreshes it once (`refreshed` event). */
  expire(): void
  /** The session ended at the server: `reloginRequired` with an explained `invalid_grant` (`reloginRequired` event). */
  endSession(reason?: InvalidGrantReason): void
  /**
   * The refresh or a sign-in fails: a transient error (`isTransient`) while signed in is an `outage` (the
   * session kept), anything else `error`; `getAccessToken()` rejects with it.
   */
  fail(error: AuthError): void
  /** Any snapshot at all, as the real client would publish it. */
  setState(state: AuthState): void
}

const DEFAULT_USER: User = { sub: 'alice', name: 'Alice Example', email: 'alice@example.com' }

/**
 * An `AuthClient` with no network and no storage, for tests and stories: the same snapshots and
 * events as the real client, moved by the test, recording every call the app makes.
 * `<AuthProvider client={createMockAuthClient({ status: 'signedIn' })}>` renders anything in any state.
 */
export function createMockAuthClient(options: MockAuthClientOptions = {}): MockAuthClient {
  const user = options.user ?? DEFAULT_USER
  const expiresInMs = (options.expiresIn ?? 300) * 1000
  const listeners = new Set<() => void>()
  const eventListeners = new Set<(event: AuthEvent) => void>()
  let generation = 0
  let stale = false
  let autoRedirected = false
  let disposed = false
  let state = initialState(options.status ?? 'signedOut', user, options.error)

  function setState(next: AuthState) {
    state = next
    if (next.status === 'signedIn') generation = next.generation
    for (const listener of listeners) listener()
  }
  function emit(event: AuthEvent) {
    for (const listener of eventListeners) listener(event)
  }
  function session(signedInUser: User | undefined): AuthState {
    generation++
    stale = false
    return { status: 'signedIn', user: signedInUser, accessToken: options.accessToken ?? `mock-access-token-${generation}`, expiresAt: Date.now() + expiresInMs, generation }
  }
  if (state.status === 'signedIn') state = session(user)

  async function getAccessToken(): Promise<string> {
    if (state.status === 'error' || state.status === 'outage' || state.status === 'reloginRequired') throw state.error
    if (state.status !== 'signedIn') throw new LoginRequiredError()
    if (stale) {
      setState(session(state.user))
      emit({ type: 'refreshed', generation })
    }
    return (state as { accessToken: string }).accessToken
  }

  // One entry per AuthClient method: the app's calls are recorded, then answered like the real client would.
  const calls = {} as MockCalls
  function recorded<K extends Recorded>(name: K, method: AuthClient[K]): AuthClient[K] {
    const list = (calls[name] = [] as MockCalls[K])
    return ((...args: Parameters<AuthClient[K]>) => {
      list.push(args)
      return (method as (...a: unknown[]) => unknown)(...args)
    }) as AuthClient[K]
  }
  /** As the real client: once disposed, every call rejects with DISPOSED. */
  function live<A extends unknown[], R>(method: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args) => (disposed ? Promise.reject(new AuthError('DISPOSED', 'This mock client was disposed: create a new one.')) : method(...args))
  }

  const client: AuthClient = {
    subscribe: recorded('subscribe', (listener) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    }),
    getSnapshot: () => state,
    start: recorded(
      'start',
      live(async () => {}),
    ),
    // A redirect leaves the page (the test calls signIn() for the return); a popup brings the user back signed in.
    login: recorded(
      'login',
      live(async (options) => {
        if (!options?.popup) {
          setState({ status: 'redirecting' })
          return 'redirected'
        }
        signIn(user)
        return 'signedIn'
      }),
    ),
    autoLogin: recorded(
      'autoLogin',
      live(async () => {
        // The same rule as the real client: only from signedOut without an error, once per client (its "window").
        if (state.status !== 'signedOut' || state.error) return
        if (autoRedirected) return setState({ status: 'signedOut', error: new AuthError('RELOGIN_LOOP', 'An automatic sign-in already ran for this mock client: sign in by hand.') })
        autoRedirected = true
        setState({ status: 'redirecting' })
      }),
    ),
    // No server: nothing to revoke or end there, and the result says so.
    logout: recorded(
      'logout',
      live(async (options) => {
        const result: LogoutResult = {
          revocation: state.status === 'signedIn' ? 'revoked' : 'no_session',
          revoked: state.status === 'signedIn' ? ['refresh_token', 'access_token'] : [],
          endSession: options?.localOnly ? 'local_only' : 'no_endpoint',
        }
        if (state.status !== 'signedOut') {
          setState({ status: 'signedOut' })
          emit({ type: 'signedOut', generation: ++generation })
        }
        emit({ type: 'logout', result })
        return result
      }),
    ),
    getAccessToken: recorded('getAccessToken', live(getAccessToken)),
    fetch: recorded(
      'fetch',
      live(async (input, init) => {
        // No `new Request(input)`: a relative URL has no base outside a page (node, jsdom's fetch).
        const base = globalThis.location?.origin ?? 'http://localhost'
        const url = new URL(input instanceof Request ? input.url : String(input), base)
        const servers = options.resourceServers ?? [base]
        // The real client's rule, so that a test catches a request the app would have refused.
        if (!isResourceServer(url, servers)) throw new AuthError('CONFIG', `${url.href} is not on a resource server of this app (resourceServers: ${servers.join(', ')}): nothing was sent.`)
        const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
        headers.set('authorization', `Bearer ${await getAccessToken()}`)
        return (options.fetch ?? globalThis.fetch)(input, { ...init, headers })
      }),
    ),
    onEvent: recorded('onEvent', (listener) => {
      eventListeners.add(listener)
      return () => void eventListeners.delete(listener)
    }),
    dispose: recorded('dispose', () => {
      disposed = true
      listeners.clear()
      eventListeners.clear()
    }),
  }

  function signIn(next: User = user) {
    setState(session(next))
    emit({ type: 'signedIn', generation })
  }

  return Object.assign(client, {
    calls,
    setState,
    signIn,
    expire() {
      if (state.status !== 'signedIn') return
      stale = true
      setState({ ...state, expiresAt: Date.now() })
    },
    endSession(reason: InvalidGrantReason = 'refresh_token_revoked_or_expired') {
      const error = explained(reason)
      const previous = 'user' in state ? state.user : undefined
      setState({ status: 'reloginRequired', user: previous, error })
      emit({ type: 'reloginRequired', generation: ++generation, error })
    },
    fail(error: AuthError) {
      // A transient failure with a session is an outage (the session kept); anything else is an error.
      const kept = state.status === 'signedIn' || state.status === 'outage'
      setState(isTransient(error) && kept ? { status: 'outage', user: 'user' in state ? state.user : undefined, error } : { status: 'error', error })
    },
  })
}

/** The LOGIN_REQUIRED error a dead grant gives, with the server's answer and the client's explanation (the hints are left out of production builds). */
function explained(reason: InvalidGrantReason): LoginRequiredError {
  const cause = new AuthError('INVALID_GRANT', `The refresh token was rejected (invalid_grant): ${invalidGrantHints[reason] ?? reason}.`, { error: 'invalid_grant', status: 400, reasons: [reason] })
  return new LoginRequiredError(cause.message, { cause, error: 'invalid_grant', reasons: [reason] })
}

function initialState(status: AuthStatus, user: User, error?: AuthError): AuthState {
  switch (status) {
    case 'signedIn':
      return { status, user, accessToken: '', generation: 0 } // replaced by a full session right away
    case 'reloginRequired':
      return { status, user, error: error ?? explained('refresh_token_revoked_or_expired') }
    case 'outage':
      return { status, user, error: error ?? new AuthError('NETWORK', 'The authorization server could not be reached.') }
    case 'error':
      return { status, error: error ?? new AuthError('DISCOVERY_FAILED', "The issuer's metadata could not be loaded to start the sign-in.") }
    case 'signedOut':
      return error ? { status, error } : { status }
    default:
      return { status }
  }
}
