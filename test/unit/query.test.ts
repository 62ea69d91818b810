// tabauth/query with a real TanStack QueryClient over the fake server and fake tabs.
import { focusManager, MutationObserver, QueryClient, QueryObserver } from '@tanstack/react-query'
import { afterEach, describe, expect, it } from 'vitest'
import { LoginRequiredError } from '../../src'
import { authRetry, connectQueryClient, fetchJson, HttpError } from '../../src/query'
import { APP, signIn, tabs } from './fakes'

const API = `${APP}/api/notes`
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A protected resource: records the token of every request; answers 401 invalid_token to the tokens in `rejected`. */
function resource() {
  const seen: string[] = []
  const rejected = new Set<string>()
  let rejectAll = false
  const handle = async (request: Request) => {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''
    seen.push(token)
    if (rejectAll || rejected.has(token)) {
      return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } })
    }
    return Response.json({ token, body: request.method === 'POST' ? await request.text() : undefined })
  }
  return { seen, rejected, rejectAll: () => (rejectAll = true), handle }
}

/** A signed-in tab whose fetch reaches the resource for API URLs and the fake server for the rest. */
async function signedInTab(env = tabs()) {
  const api = resource()
  const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    return request.url.startsWith(API) ? api.handle(request) : env.server.fetch(input, init)
  }) as typeof globalThis.fetch
  const tab = await signIn(env, env.open({ fetch }), { fetch })
  return { env, api, tab, fetch, token: () => (tab.client.getSnapshot() as { accessToken: string }).accessToken }
}

const queryClients: QueryClient[] = []
function queryClient() {
  const client = new QueryClient({ defaultOptions: { queries: { retryDelay: 0 } } })
  queryClients.push(client)
  return client
}
afterEach(() => {
  for (const client of queryClients.splice(0)) client.clear()
  focusManager.setFocused(undefined)
})

describe('fetchJson as queryFn', () => {
  it('reads the token at call time: after a refresh the same query sends the new token', async () => {
    const { env, tab, token } = await signedInTab()
    const qc = queryClient()
    const queryFn = () => fetchJson<{ token: string }>(tab.client, API)
    const first = await qc.fetchQuery({ queryKey: ['notes'], queryFn })
    const before = token()
    env.clock.advance(300_000) // the access token expires
    const second = await qc.fetchQuery({ queryKey: ['notes'], queryFn, staleTime: 0 })
    expect(first.token).toBe(before)
    expect(second.token).toBe(token())
    expect(second.token).not.toBe(before)
    expect(env.server.requests.refresh_token).toBe(1)
  })

  it('on 401 invalid_token refreshes once and replays once, never twice, and the query does not retry', async () => {
    const { env, api, tab } = await signedInTab()
    api.rejectAll()
    const qc = queryClient()
    const disconnect = connectQueryClient(qc, tab.client)
    const observer = new QueryObserver(qc, { queryKey: ['notes'], queryFn: () => fetchJson(tab.client, API) })
    const result = await observer.refetch()
    disconnect()
    expect(result.error).toBeInstanceOf(HttpError)
    expect((result.error as HttpError).status).toBe(401)
    expect(api.seen).toHaveLength(2) // the request and its one replay
    expect(new Set(api.seen).size).toBe(2) // the replay carried the refreshed token
    expect(env.server.requests.refresh_token).toBe(1)
    expect(result.failureCount).toBe(1)
  })

  it('a replayed request that succeeds resolves the query', async () => {
    const { api, tab, token } = await signedInTab()
    api.rejected.add(token())
    const data = await queryClient().fetchQuery({ queryKey: ['notes'], queryFn: () => fetchJson<{ token: string }>(tab.client, API) })
    expect(data.token).toBe(token())
    expect(api.seen).toHaveLength(2)
  })
})

describe('authRetry', () => {
  it('does not retry LoginRequiredError, 401 or 403; retries other failures as TanStack does', async () => {
    const env = tabs()
    const tab = env.open()
    const qc = queryClient()
    let calls = 0
    const run = (queryKey: string, queryFn: () => Promise<unknown>) => qc.fetchQuery({ queryKey: [queryKey], queryFn: () => (calls++, queryFn()), retry: authRetry }).catch((error: unknown) => error)
    const loginRequired = await run('signed-out', () => fetchJson(tab.client, API))
    expect(loginRequired).toBeInstanceOf(LoginRequiredError)
    expect(calls).toBe(1)
    for (const status of [401, 403]) {
      calls = 0
      await run(`status-${status}`, async () => {
        throw new HttpError(new Response(null, { status }))
      })
      expect(calls).toBe(1)
    }
    calls = 0
    await run('status-503', async () => {
      throw new HttpError(new Response(null, { status: 503 }))
    })
    expect(calls).toBe(4) // the first try and TanStack's three retries
  })
})

describe('connectQueryClient', () => {
  it('disables queries until signed in: nothing is fetched before the session is read', async () => {
    const env = tabs()
    const { tab, api, fetch } = await signedInTab(env)
    tab.client.dispose()
    const fresh = env.open({ fetch }) // a new page, not started yet: loading
    const qc = queryClient()
    const disconnect = connectQueryClient(qc, fresh.client)
    const observer = new QueryObserver(qc, { queryKey: ['notes'], queryFn: () => fetchJson(fresh.client, API) })
    const stop = observer.subscribe(() => {})
    await settle()
    expect(api.seen).toHaveLength(0)
    await fresh.client.start()
    await settle()
    expect(api.seen).toHaveLength(1)
    expect(qc.getQueryData(['notes'])).toMatchObject({ token: (fresh.client.getSnapshot() as { accessToken: string }).accessToken })
    stop()
    disconnect()
  })

  it('while reloginRequired queries neither refetch nor retry; a re-login of the same user refetches them and keeps the data until then', async () => {
    const { env, api, tab, fetch } = await signedInTab()
    const qc = queryClient()
    const disconnect = connectQueryClient(qc, tab.client)
    const observer = new QueryObserver(qc, { queryKey: ['notes'], queryFn: () => fetchJson(tab.client, API), refetchOnWindowFocus: 'always' })
    const stop = observer.subscribe(() => {})
    await settle()
    expect(api.seen).toHaveLength(1)
    const data = qc.getQueryData(['notes'])

    env.server.revokeAll()
    env.clock.advance(300_000)
    await tab.client.getAccessToken().catch(() => {})
    expect(tab.client.getSnapshot().status).toBe('reloginRequired')
    for (let i = 0; i < 5; i++) {
      focusManager.setFocused(false)
      focusManager.setFocused(true) // the user comes back to the tab
      await qc.invalidateQueries()
      await settle()
    }
    expect(api.seen).toHaveLength(1)
    expect(env.server.requests.refresh_token).toBe(1)
    expect(qc.getQueryData(['notes'])).toBe(data)

    await signIn(env, env.open({ fetch }), { fetch }) // "Sign in again" in another page: this tab adopts the session
    await tab.client.getAccessToken()
    await settle()
    expect(tab.client.getSnapshot().status).toBe('signedIn')
    expect(api.seen).toHaveLength(2)
    expect(qc.getQueryData(['notes'])).toMatchObject({ token: (tab.client.getSnapshot() as { accessToken: string }).accessToken })
    stop()
    disconnect()
  })

  it('a mutation started while reloginRequired waits and then runs once with the new token', async () => {
    const { env, api, tab, fetch, token } = await signedInTab()
    const qc = queryClient()
    const disconnect = connectQueryClient(qc, tab.client)
    env.server.revokeAll()
    env.clock.advance(300_000)
    const mutation = new MutationObserver(qc, {
      mutationFn: (text: string) => fetchJson<{ token: string; body: string }>(tab.client, API, { method: 'POST', body: text }),
    })
    const saved = mutation.mutate('half-written note')
    await settle()
    await settle()
    expect(tab.client.getSnapshot().status).toBe('reloginRequired')
    expect(mutation.getCurrentResult().status).toBe('pending')
    expect(api.seen).toHaveLength(0)

    await signIn(env, env.open({ fetch }), { fetch })
    await tab.client.getAccessToken()
    const result = await saved
    expect(result).toEqual({ token: token(), body: 'half-written note' })
    expect(api.seen).toEqual([token()])
    disconnect()
  })

  it('a mutation refused because the grant died during it waits for the re-login and is sent again once', async () => {
    const { env, api, tab, fetch, token } = await signedInTab()
    const qc = queryClient()
    const disconnect = connectQueryClient(qc, tab.client)
    const dead = token()
    env.server.revokeAll()
    api.rejected.add(dead) // the resource server sees the revoked access token
    const mutation = new MutationObserver(qc, {
      mutationFn: (text: string) => fetchJson<{ token: string; body: string }>(tab.client, API, { method: 'POST', body: text }),
    })
    const saved = mutation.mutate('pending save')
    for (let i = 0; i < 5; i++) await settle()
    expect(tab.client.getSnapshot().status).toBe('reloginRequired')
    expect(mutation.getCurrentResult().status).toBe('pending')
    expect(api.seen).toEqual([dead])

    await signIn(env, env.open({ fetch }), { fetch })
    await tab.client.getAccessToken()
    expect(await saved).toEqual({ token: token(), body: 'pending save' })
    expect(api.seen).toEqual([dead, token()])
    disconnect()
  })

  it('sign-out clears the cache: data and mutations are gone, and a waiting mutation fails with LoginRequiredError', async () => {
    const { env, api, tab } = await signedInTab()
    const qc = queryClient()
    const disconnect = connectQueryClient(qc, tab.client)
    const observer = new QueryObserver(qc, { queryKey: ['notes'], queryFn: () => fetchJson(tab.client, API) })
    const stop = observer.subscribe(() => {})
    await qc.fetchQuery({ queryKey: ['other'], queryFn: () => fetchJson(tab.client, API) })
    await settle()
    env.server.revokeAll()
    env.clock.advance(300_000)
    const waiting = fetchJson(tab.client, API, { method: 'POST', body: 'x' }).catch((error: unknown) => error)
    await settle()
    await tab.client.logout({ localOnly: true })
    expect(observer.getCurrentResult().data).toBeUndefined()
    expect(qc.getQueryData(['notes'])).toBeUndefined()
    expect(qc.getQueryData(['other'])).toBeUndefined()
    expect(await waiting).toBeInstanceOf(LoginRequiredError)
    expect(api.seen).toHaveLength(2)
    stop()
    disconnect()
  })
})
