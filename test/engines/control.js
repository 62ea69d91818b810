// The dev provider's test-control API (scripts/provider.js), seen from the rig: every count a
// scenario asserts comes from here, never from a page.
export function control(issuer) {
  async function call(method, path, body) {
    const response = await fetch(`${issuer}/__test/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!response.ok) throw new Error(`${method} /__test/${path} answered ${response.status}: ${await response.text()}`)
    return response.json()
  }
  return {
    counts: () => call('GET', 'counts'),
    reset: () => call('POST', 'reset'),
    settings: (patch) => call('POST', 'settings', patch),
    revoke: (sub = 'alice') => call('POST', 'revoke', { sub }),
    /** Back to the defaults, counts zeroed: before every scenario. */
    async defaults() {
      await call('POST', 'settings', { accessTokenTtl: 300, refreshTokenTtl: 14 * 24 * 3600, tokenFailure: null })
      await call('POST', 'reset')
    },
    /** The userinfo endpoint called from Node with `accessToken`: does the token work? */
    async userinfo(accessToken) {
      const { userinfo_endpoint } = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()
      const response = await fetch(userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } })
      const body = await response.json().catch(() => ({}))
      return { status: response.status, name: body.name }
    },
  }
}
