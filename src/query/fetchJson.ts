import { LoginRequiredError, type AuthClient, type AuthState } from '../core'

/** A response that was not 2xx. `status` decides retries (see `authRetry`). */
export class HttpError extends Error {
  readonly status: number
  readonly response: Response
  constructor(response: Response) {
    super(`${response.url || 'The request'} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`)
    this.name = 'HttpError'
    this.status = response.status
    this.response = response
  }
}

/**
 * `client.fetch` (the token read at call time; one refresh and one replay on a 401
 * `invalid_token`), then JSON: a `queryFn` or `mutationFn`. A request made while the
 * session needs a re-login, or refused because the grant died during it, waits for the
 * new session and is sent again once; it fails with `LoginRequiredError` on sign-out or
 * when another user signs in. A response that is not 2xx: `HttpError`.
 */
export async function fetchJson<T = unknown>(client: AuthClient, input: RequestInfo | URL, init?: RequestInit): Promise<T> {
  const user = currentUser(client.getSnapshot())
  await client.start()
  let response = await sendWhenSignedIn(client, user, input, init)
  if (response === RELOGIN) response = await sendWhenSignedIn(client, user ?? currentUser(client.getSnapshot()), input, init)
  if (response === RELOGIN) throw (client.getSnapshot() as { error?: Error }).error ?? new LoginRequiredError()
  if (!response.ok) throw new HttpError(response)
  return (response.status === 204 ? undefined : await response.json()) as T
}

/** The request was refused because the session ended at the server: it was not processed. */
const RELOGIN = Symbol('relogin')

async function sendWhenSignedIn(client: AuthClient, user: string | undefined, input: RequestInfo | URL, init?: RequestInit): Promise<Response | typeof RELOGIN> {
  await untilSignedIn(client, user, init?.signal)
  const reloginRequired = () => client.getSnapshot().status === 'reloginRequired'
  try {
    const response = await client.fetch(input, init)
    return response.status === 401 && reloginRequired() ? RELOGIN : response
  } catch (error) {
    if (error instanceof LoginRequiredError && reloginRequired()) return RELOGIN
    throw error
  }
}

/**
 * Resolves once the client is signed in (or in an `outage`, which keeps the session and reports the
 * failure on use, or in `error`, which reports it); rejects on sign-out, on another user's session, or on abort.
 */
export function untilSignedIn(client: AuthClient, user: string | undefined, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const state = client.getSnapshot()
      if (state.status === 'signedIn' && user !== undefined && state.user?.sub !== user) {
        done(() => reject(new LoginRequiredError('Another user signed in: a request made for the previous user was not sent.')))
      } else if (state.status === 'signedIn' || state.status === 'outage' || state.status === 'error') done(resolve)
      else if (state.status === 'signedOut') done(() => reject(new LoginRequiredError()))
    }
    const onAbort = () => done(() => reject(signal!.reason))
    const stop = client.subscribe(check)
    signal?.addEventListener('abort', onAbort)
    function done(settle: () => void) {
      stop()
      signal?.removeEventListener('abort', onAbort)
      settle()
    }
    if (signal?.aborted) onAbort()
    else check()
  })
}

/** The subject of the session this tab holds or last held, when the state says. */
export function currentUser(state: AuthState): string | undefined {
  const sub = 'user' in state ? state.user?.sub : undefined
  return typeof sub === 'string' ? sub : undefined
}
