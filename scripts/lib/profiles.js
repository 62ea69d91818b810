// Server profiles for the dev provider: how real authorization servers differ where tabauth is subtle.
// oidc-provider is configured for one behaviour; the others are made by this koa middleware in front of
// its routes (startProvider({ profile }) installs it). Each flag is one server behaviour:
//
//   rotate: false                 no rotation: a refresh answers without a new refresh token
//   reuse: 'reject'               a rotated refresh token presented again: invalid_grant, the family is NOT revoked
//   revokePreviousAccess: true    a successful refresh revokes the grant's earlier access tokens at once
//   idTokenOnRefresh: false       no id_token in refresh responses
//   iss: false                    no RFC 9207 `iss` in the authorization response, and not advertised
//   discovery: 'trailing-slash'   metadata only at /.well-known/openid-configuration/ (the plain URL answers 301)
//   advertise: false              revocation and end-session endpoints work but are not in the metadata
//   oauth2: true                  RFC 8414 metadata at /.well-known/oauth-authorization-server (plain OAuth 2.0 clients)
//   announceRefreshLifetime: true token responses carry refresh_token_expires_in (as Entra ID does for SPAs)
//   invalidGrantText: '...'       every invalid_grant answer carries this error_description (a real server's words)
//   genericInvalidGrant: true     every invalid_grant says oidc-provider's "grant request is invalid"; by default the
//                                 dev provider says why ("authorization code not found", "refresh token already used")
//
// The default (no flag) is a strict server: a refresh token only for a grant with offline_access, rotation
// with reuse detection (a rotated refresh token presented again revokes the family), exact redirect URIs
// (oidc-provider compares them as strings), and an end-session that leaves offline_access grants alive
// (only the app's revocation ends them). These flags bring back kinder behaviours (LENIENT_PROFILES below):
//   refreshTokens: 'always'       a refresh token for every grant of the client, offline_access or not
//   endSessionRevokes: true       end-session (RP-initiated logout) revokes every grant of the browser session
//   offlineAccess: 'prompt-consent'  oidc-provider's own rule (OpenID Connect Core §11): offline_access is
//                                 dropped from an authorization request without prompt=consent (so no refresh
//                                 token); by default the dev provider grants offline_access when asked, as
//                                 Auth0, Okta, Keycloak and Entra ID do
//
// Refusals (profiles named "refusal: ...": test/scenarios/scenarios.ts runs its refusal scenarios on them only):
//   deadRefresh: 'empty'          where oidc-provider refuses a refresh_token grant with invalid_grant (a dead refresh
//                                 token), the answer is HTTP 400 with an empty body and no Content-Type (a gateway
//                                 that strips error bodies)
//   deadRefresh: 'html'           the same, as a gateway's HTML error page (400, text/html)
//   deadRefresh: 'invalid_request' the same, as 400 {"error":"invalid_request"} (how some servers answer an expired refresh token)
//   clientChanged: 'unauthorized_client' | 'invalid_client'
//                                 once the provider's setting `clientChanged` is true (an administrator changed the
//                                 client after sign-in: /__test/settings { clientChanged: true }, read per request), every
//                                 refresh_token grant is refused: 400 {"error":"unauthorized_client"}, or
//                                 401 {"error":"invalid_client"} with a WWW-Authenticate: Basic challenge
//   refreshWithoutExpiresIn: true a successful refresh answers 200 without `expires_in` (the provider has rotated the
//                                 refresh token already: the one sent is spent)
//   revocationRefused: true       the revocation endpoint answers 401 with an empty body (and revokes nothing)
// Every refusal keeps the CORS headers, so the browser sees the status (and the body) rather than a network error.
//
// PROFILES also names a provider option where the behaviour is oidc-provider's own: refreshTokenTtl (s), an
// absolute lifetime (a rotated refresh token never outlives its predecessor, see scripts/provider.js).

const METADATA = '/.well-known/openid-configuration'

/**
 * oauth2 profile: oidc-provider grants no OIDC scope without `openid`, so plain OAuth 2.0 clients ask
 * for a resource server's scope (`api`); this is its `features.resourceIndicators` configuration.
 */
export const OAUTH2_RESOURCE = {
  enabled: true,
  defaultResource: () => 'urn:tabauth:api',
  useGrantedResource: () => true,
  getResourceServerInfo: () => ({ scope: 'api', accessTokenFormat: 'opaque' }),
}

export const PROFILES = {
  'rotation, reuse revokes the family': {},
  'reuse rejected, no revocation': { reuse: 'reject' },
  'no rotation': { rotate: false },
  'previous access token revoked': { revokePreviousAccess: true },
  'no ID token on refresh': { idTokenOnRefresh: false },
  'no iss parameter': { iss: false },
  'discovery with trailing slash': { discovery: 'trailing-slash' },
  'endpoints not advertised': { advertise: false },
  // offline_access is an OpenID Connect scope: a plain OAuth 2.0 server issues refresh tokens by client configuration.
  'OAuth 2.0 without OIDC': { oauth2: true, refreshTokens: 'always' },
  'absolute refresh lifetime': { announceRefreshLifetime: true, refreshTokenTtl: 8 },
  'refusal: dead refresh token, empty 400': { deadRefresh: 'empty' },
  'refusal: dead refresh token, gateway HTML 400': { deadRefresh: 'html' },
  'refusal: dead refresh token, 400 invalid_request': { deadRefresh: 'invalid_request' },
  'refusal: client changed, unauthorized_client': { clientChanged: 'unauthorized_client' },
  'refusal: client changed, 401 invalid_client': { clientChanged: 'invalid_client' },
  'refusal: refresh 200 without expires_in': { refreshWithoutExpiresIn: true },
  'refusal: revocation refused, 401': { revocationRefused: true },
  'Entra ID texts': { invalidGrantText: 'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.' },
}

/**
 * Kinder (or, for genericInvalidGrant, vaguer) than a real server, for apps that need it while they are being written; not in the scenario matrix
 * (test/scenarios runs PROFILES). `tabauth-dev-provider --profile NAME` (or `node scripts/provider.js --profile NAME`)
 * takes a name from either table; several --profile flags merge.
 */
export const LENIENT_PROFILES = {
  'refresh token for every grant': { refreshTokens: 'always' },
  'end-session revokes every grant': { endSessionRevokes: true },
  'offline_access needs prompt=consent': { offlineAccess: 'prompt-consent' },
  'generic invalid_grant text': { genericInvalidGrant: true },
  lenient: { refreshTokens: 'always', endSessionRevokes: true },
}

/** The flags of the profile called `name` (in PROFILES or LENIENT_PROFILES), or an error that lists the names. */
export function profileNamed(name) {
  const found = PROFILES[name] ?? LENIENT_PROFILES[name]
  if (!found) throw new Error(`no profile "${name}". Profiles:\n  ${[...Object.keys(PROFILES), ...Object.keys(LENIENT_PROFILES)].join('\n  ')}`)
  return found
}

/** The koa middleware that makes the provider behave as `profile` says (flags above). */
export function profileMiddleware(profile, { provider, store, issuer, appOrigins, settings }) {
  const cors = (ctx) => {
    const origin = ctx.get('Origin')
    if (origin && appOrigins.includes(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin)
      ctx.vary('Origin')
    }
  }

  const touchesTokens = ['reuse', 'revokePreviousAccess', 'idTokenOnRefresh', 'announceRefreshLifetime', 'invalidGrantText', 'deadRefresh', 'clientChanged', 'refreshWithoutExpiresIn'].some(
    (flag) => flag in profile,
  )

  return async function profileBehaviour(ctx, next) {
    if (ctx.method === 'GET' && (ctx.path === METADATA || ctx.path === `${METADATA}/` || ctx.path === '/.well-known/oauth-authorization-server')) {
      return metadata(ctx, next)
    }
    if (ctx.method === 'POST' && ctx.path === '/token' && touchesTokens) return token(ctx, next)
    if (ctx.method === 'POST' && ctx.path === '/token/revocation' && profile.revocationRefused) {
      await readRaw(ctx.req) // the token to revoke is read and ignored: nothing is revoked
      return refuse(ctx, 401, 'empty', 'revocation refused (profile revocationRefused)')
    }
    await next()
    if (profile.iss === false) stripIss(ctx)
  }

  async function metadata(ctx, next) {
    if (ctx.path === METADATA && profile.discovery === 'trailing-slash') {
      cors(ctx) // the browser checks CORS on the redirect itself
      ctx.status = 301
      ctx.redirect(`${issuer}${METADATA}/`)
      return
    }
    if (ctx.path === '/.well-known/oauth-authorization-server' && !profile.oauth2) return next()
    ctx.path = METADATA
    await next()
    if (!ctx.body || typeof ctx.body !== 'object') return
    if (profile.advertise === false) {
      delete ctx.body.revocation_endpoint
      delete ctx.body.end_session_endpoint
    }
    if (profile.iss === false) delete ctx.body.authorization_response_iss_parameter_supported
  }

  /** The authorization response's redirect without `iss` (RFC 9207 is optional for servers). */
  function stripIss(ctx) {
    const location = ctx.response.get('Location')
    if (!location) return
    const url = new URL(location, issuer)
    if (!appOrigins.includes(url.origin) || !url.searchParams.has('iss')) return
    url.searchParams.delete('iss')
    ctx.set('Location', url.href)
  }

  async function token(ctx, next) {
    const raw = ctx.req.body ?? (await readRaw(ctx.req))
    ctx.req.body = raw // oidc-provider's parser takes an already-read body from req.body
    const params = new URLSearchParams(raw)
    const grantType = params.get('grant_type')
    ctx.state.grantType ??= grantType
    if (grantType === 'refresh_token' && profile.reuse === 'reject') {
      const presented = await provider.RefreshToken.find(params.get('refresh_token') ?? '')
      if (presented?.consumed) return answer(ctx, 400, { error: 'invalid_grant', error_description: 'refresh token already used' })
    }
    if (grantType === 'refresh_token' && profile.clientChanged && settings().clientChanged) {
      return profile.clientChanged === 'invalid_client'
        ? refuse(ctx, 401, { error: 'invalid_client', error_description: 'client authentication failed' }, 'client changed by an administrator', {
            'WWW-Authenticate': 'Basic realm="token"',
            'Access-Control-Expose-Headers': 'WWW-Authenticate',
          })
        : refuse(ctx, 400, { error: 'unauthorized_client', error_description: 'the client is not allowed to use this grant type' }, 'client changed by an administrator')
    }
    await next()
    const body = ctx.body
    if (!body || typeof body !== 'object') return
    if (grantType === 'refresh_token' && ctx.status === 400 && body.error === 'invalid_grant' && profile.deadRefresh) {
      const why = `was invalid_grant: ${ctx.state.tokenError?.error_detail ?? body.error_description ?? ''}`
      if (profile.deadRefresh === 'empty') return refuse(ctx, 400, 'empty', why)
      if (profile.deadRefresh === 'html') return refuse(ctx, 400, 'html', why)
      return refuse(ctx, 400, { error: 'invalid_request', error_description: 'The refresh token is expired or invalid.' }, why)
    }
    if (ctx.status === 400 && body.error === 'invalid_grant' && profile.invalidGrantText) body.error_description = profile.invalidGrantText
    if (ctx.status !== 200) return
    if (grantType === 'refresh_token' && profile.idTokenOnRefresh === false) delete body.id_token
    if (grantType === 'refresh_token' && profile.refreshWithoutExpiresIn) delete body.expires_in
    if (grantType === 'refresh_token' && profile.revokePreviousAccess) await revokeOtherAccessTokens(body.access_token)
    if (profile.announceRefreshLifetime && body.refresh_token) {
      const issued = await provider.RefreshToken.find(body.refresh_token)
      if (issued) body.refresh_token_expires_in = issued.remainingTTL
    }
  }

  async function revokeOtherAccessTokens(current) {
    const token = await provider.AccessToken.find(current)
    if (!token) return
    for (const { id, payload } of store.all('AccessToken')) {
      if (payload.grantId === token.grantId && id !== current) await (await provider.AccessToken.find(id))?.destroy()
    }
  }

  function answer(ctx, status, body) {
    cors(ctx)
    ctx.status = status
    ctx.set('Cache-Control', 'no-store')
    ctx.body = body
  }

  /**
   * A refusal as other servers send it: `body` is an OAuth error object (JSON), 'empty' (no body, no
   * Content-Type) or 'html' (a gateway's error page). `why` is recorded as the error's detail in
   * /__test/counts, whose `error` is what the client was sent (`http_400_empty`, `http_400_html`, or the code).
   */
  function refuse(ctx, status, body, why, headers = {}) {
    const error = typeof body === 'object' ? body.error : `http_${status}_${body}`
    ctx.state.tokenError = { error, error_detail: why }
    ctx.remove('Content-Type')
    for (const [name, value] of Object.entries(headers)) ctx.set(name, value)
    if (body === 'empty') {
      ctx.body = null // Koa 3: an explicit null body is sent as an empty body without Content-Type
      cors(ctx)
      ctx.status = status
      ctx.set('Cache-Control', 'no-store')
      return
    }
    if (body === 'html') {
      answer(
        ctx,
        status,
        `<html>\r\n<head><title>${status} Bad Request</title></head>\r\n<body>\r\n<center><h1>${status} Bad Request</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
      )
      ctx.type = 'text/html'
      return
    }
    answer(ctx, status, body)
    ctx.type = 'application/json'
  }
}

async function readRaw(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}
