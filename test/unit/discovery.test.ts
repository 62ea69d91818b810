// Discovery says what happened: redirects (followed only within the issuer's origin), 404, HTML, issuer mismatch.
import { describe, expect, it } from 'vitest'
import { ISSUER, signIn, tabs } from './fakes'

const WELL_KNOWN = `${ISSUER}/.well-known/openid-configuration`

/** The fake server behind a front that answers the metadata URL with `answer` (and serves `routes`). */
function withFront(answer: () => Response, routes: Record<string, () => Response> = {}) {
  const env = tabs()
  const seen: string[] = []
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input)).href
    seen.push(url)
    if (url === WELL_KNOWN) {
      const response = answer()
      const location = response.headers.get('location')
      // What `redirect: 'follow'` would do: ask the target.
      if (location && init?.redirect === 'follow') return fetch(new URL(location, url), { ...init, redirect: 'manual' })
      return response
    }
    if (routes[url]) return routes[url]()
    return env.server.fetch(input, init)
  }) as typeof globalThis.fetch
  return { env, seen, tab: env.open({ fetch }), fetch }
}

describe('discovery', () => {
  it('follows a same-origin redirect (metadata only with a trailing slash) and keeps the issuer check exact', async () => {
    const { env, tab, fetch } = withFront(() => new Response(null, { status: 301, headers: { location: `${WELL_KNOWN}/` } }), {
      [`${WELL_KNOWN}/`]: () => Response.json(env.server.metadata),
    })
    await tab.client.login()
    expect(tab.navigation.assigned.at(-1)).toMatch(/^https:\/\/id\.example\.test\/auth\?/)
    const signedIn = await signIn(env, env.open({ fetch }), { fetch })
    expect(signedIn.client.getSnapshot().status).toBe('signedIn')
  })

  it('refuses a redirect to another origin, naming the target, without asking it', async () => {
    const { tab, seen } = withFront(() => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example.test/meta' } }))
    await expect(tab.client.login()).rejects.toMatchObject({
      code: 'DISCOVERY_FAILED',
      message: expect.stringMatching(/redirects to https:\/\/elsewhere\.example\.test\/meta, another origin: refused.*`metadata` option/),
    })
    expect(seen.some((url) => url.startsWith('https://elsewhere'))).toBe(false)
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'DISCOVERY_FAILED' } })
  })

  it('a same-origin redirect to metadata of another issuer is still an issuer mismatch', async () => {
    const { env, tab } = withFront(() => new Response(null, { status: 301, headers: { location: `${WELL_KNOWN}/` } }), {
      [`${WELL_KNOWN}/`]: () => Response.json({ ...env.server.metadata, issuer: `${ISSUER}/tenant` }),
    })
    await expect(tab.client.login()).rejects.toThrow(`names the issuer "${ISSUER}/tenant", not "${ISSUER}/"`)
  })

  it('names a 404 and the fix', async () => {
    const { tab } = withFront(() => new Response('not found', { status: 404 }))
    await expect(tab.client.login()).rejects.toMatchObject({ code: 'DISCOVERY_FAILED', status: 404, message: expect.stringMatching(/answered HTTP 404.*`metadata` option/) })
  })

  it('names HTML instead of JSON', async () => {
    const { tab } = withFront(() => new Response('<!doctype html><title>Sign in</title>', { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } }))
    await expect(tab.client.login()).rejects.toMatchObject({ code: 'DISCOVERY_FAILED', message: expect.stringContaining('answered text/html instead of JSON') })
  })

  it('static metadata without the endpoints is merged over discovery (an endpoint the server does not advertise)', async () => {
    const env = tabs()
    delete (env.server.metadata as { revocation_endpoint?: string }).revocation_endpoint
    const tab = await signIn(env, env.open(), { metadata: { revocation_endpoint: `${ISSUER}/revoke` } })
    const result = await tab.client.logout({ localOnly: true })
    expect(env.server.requests.revocation).toBe(2)
    expect(result).toMatchObject({ revocation: 'revoked', endSession: 'local_only' })
  })
})
