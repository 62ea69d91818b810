import type { Query, QueryClient } from '@tanstack/react-query'
import type { AuthClient } from '../core'
import { currentUser } from './fetchJson'
import { authRetry } from './retry'

/** Queries need a token unless they say `meta: { auth: false }`. */
function needsToken(query: Query): boolean {
  return query.meta?.auth !== false
}

/**
 * Ties a QueryClient to the auth client of this tab (every tab learns of sign-out and new
 * sessions over the channel, so every tab's cache follows):
 * - queries that need a token are disabled unless signed in: no refetch or retry while
 *   `reloginRequired` (no 401 storm), none before the session is read;
 * - sign-out or another user's session: the cache is cleared (the data leaves the screen);
 * - signed in again as the same user: queries are invalidated, their data kept until refetched.
 * Fills `enabled` and `retry` in the client's query defaults where the app set none.
 * Returns a function that disconnects and puts the defaults back.
 */
export function connectQueryClient(queryClient: QueryClient, client: AuthClient): () => void {
  const restore = setAuthDefaults(queryClient, client)
  const unsubscribe = followSession(queryClient, client)
  return () => {
    unsubscribe()
    restore()
  }
}

/** The query defaults alone (idempotent): a provider sets them while rendering, before any child's query runs. */
export function setAuthDefaults(queryClient: QueryClient, client: AuthClient): () => void {
  const previous = queryClient.getDefaultOptions()
  const signedIn = () => client.getSnapshot().status === 'signedIn'
  queryClient.setDefaultOptions({
    ...previous,
    queries: {
      enabled: (query) => !needsToken(query) || signedIn(),
      retry: (failureCount, error) => signedIn() && authRetry(failureCount, error),
      ...previous.queries,
    },
  })
  return () => queryClient.setDefaultOptions(previous)
}

function followSession(queryClient: QueryClient, client: AuthClient): () => void {
  let user = currentUser(client.getSnapshot())
  let wasSignedIn = false // so that a session that is already there fetches what is mounted
  const onChange = () => {
    const state = client.getSnapshot()
    const next = currentUser(state)
    if (state.status === 'signedOut' || (next !== undefined && user !== undefined && next !== user)) clear(queryClient)
    if (state.status === 'signedIn' && !wasSignedIn) void queryClient.invalidateQueries({ predicate: needsToken })
    wasSignedIn = state.status === 'signedIn'
    if (state.status === 'signedOut') user = undefined
    else user = next ?? user
  }
  const unsubscribe = client.subscribe(onChange)
  onChange()
  return unsubscribe
}

/** Drops every cached result and mutation; mounted queries are reset to empty, so the screen shows no data either. */
function clear(queryClient: QueryClient) {
  queryClient.removeQueries({ predicate: (query) => query.getObserversCount() === 0 })
  void queryClient.resetQueries()
  queryClient.getMutationCache().clear()
}
