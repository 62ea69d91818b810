// Development / test OpenID Provider for tabauth (oidc-provider 9), plus a test-control HTTP API.
//
//   node scripts/provider.js [--port N] [--app-origin URL]... [--access-token-ttl S]
//                            [--refresh-token-ttl S] [--profile NAME]... [--interactive] [--help]
//   env: PROVIDER_PORT, APP_ORIGINS (comma-separated), ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, INTERACTIVE=1
// The same command line is the `tabauth-dev-provider` package's (dev-provider/): see USAGE below.
//
// By default a strict server: a refresh token only for a grant with offline_access, rotation with reuse
// detection, exact redirect URIs, and an end-session that leaves offline_access grants to the app's own
// revocation. Server profiles (scripts/lib/profiles.js): startProvider({ profile: { rotate: false, ... } })
// behaves like another kind of server, kinder ones included (LENIENT_PROFILES).
//
// In-process: `const op = await startProvider({ port: 0 })` -> { issuer, port, close(), counts(),
// reset(), settings(patch?), revoke(sub), expire(token), provider }.
//
// The protected resource /notes (scripts/lib/notes.js) runs on the same server.
//
// Test-control API on the same server (JSON, CORS for the app origins):
//   GET  /__test/health    -> { ok: true, issuer }
//   GET  /__test/counts    -> { token: { authorization_code: {success, error}, refresh_token: {...} },
//                               authorizations, revocations, logouts, userinfo, injected, hanging,
//                               notes: { read, saved, rejected }, errors: [{ grant_type, error, detail, at }] }
//   POST /__test/reset     -> zeroes counts and errors (revokes nothing), returns the counts
//   GET|POST /__test/settings  { accessTokenTtl?, refreshTokenTtl?, codeTtl?, cors?, tokenFailure?, coop?, authorizationError?, clientChanged? } -> settings
//        codeTtl: the authorization code's lifetime in seconds (60)
//        cors: false refuses CORS to the app origins at the token and revocation endpoints (redirect URIs stay registered)
//        tokenFailure: null | { status: 400..599, error?, times?, retryAfter? (s) } | { hang: true, times? }
//        authorizationError: null | an OAuth error code (e.g. 'access_denied') every sign-in is refused with
//        clientChanged: boolean: "an administrator changed the client"; only a profile with the clientChanged flag acts on it
//   POST /__test/revoke    { sub = 'alice' } -> { revoked: N }  (every grant of that user)
//   POST /__test/expire    { token } -> { expired: 0 | 1 }  (that access token only; its grant and refresh token live on)
//
// Counting: every POST /token is counted once under token[grant_type] (success = HTTP 200).
// Injected failures count as errors too (error 'server_error' or 'hang') and in `injected`.
// A hung request counts only when it ends: as an injected error if the client gives up, normally
// if it is released by the next tokenFailure update. `hanging` = requests held right now.
import * as crypto from 'node:crypto'
import * as http from 'node:http'
import { pathToFileURL } from 'node:url'

import Provider from 'oidc-provider'

import { createStore } from './lib/memory-adapter.js'
import { OAUTH2_RESOURCE, profileMiddleware, profileNamed } from './lib/profiles.js'
import { notesResource } from './lib/notes.js'

export const CLIENT_ID = 'tabauth-example'
export const DPOP_CLIENT_ID = 'tabauth-example-dpop'

export const TEST_USER = Object.freeze({
  sub: 'alice',
  name: 'Alice Example',
  given_name: 'Alice',
  family_name: 'Example',
  email: 'alice@example.com',
  email_verified: true,
})

// A second user, so that tests can switch users: the automatic login signs in whoever
// `login_hint` names (alice when it names nobody known).
export const SECOND_USER = Object.freeze({
  sub: 'bob',
  name: 'Bob Example',
  given_name: 'Bob',
  family_name: 'Example',
  email: 'bob@example.com',
  email_verified: true,
})
const USERS = new Map([TEST_USER, SECOND_USER].map((user) => [user.sub, user]))

const DEFAULTS = {
  port: 9000,
  host: '127.0.0.1',
  appOrigins: ['http://127.0.0.1:5173', 'http://localhost:5173'],
  accessTokenTtl: 300,
  refreshTokenTtl: 14 * 24 * 3600,
  interactive: false,
  quiet: false,
}

const DAY = 24 * 3600

/**
 * Start the provider. Options (all optional): { port = 9000 (0 = any free port), host = '127.0.0.1',
 * appOrigins, accessTokenTtl = 300, refreshTokenTtl = 14 days, interactive = false, quiet = false }.
 */
export async function startProvider(options = {}) {
  const opts = { ...DEFAULTS, ...stripUndefined(options) }
  const appOrigins = opts.appOrigins.map((o) => new URL(o).origin)
  const log = opts.quiet ? () => {} : (...a) => console.log('[provider]', ...a)

  // ---- mutable state behind the control API ---------------------------------------------------
  const settingsState = {
    accessTokenTtl: positiveInt(opts.accessTokenTtl, 'accessTokenTtl'),
    refreshTokenTtl: positiveInt(opts.refreshTokenTtl, 'refreshTokenTtl'),
    tokenFailure: null, // null | { status, error?, times? } | { hang: true, times? }
    coop: false, // send Cross-Origin-Opener-Policy: same-origin on the sign-in pages (cuts a popup off from its opener)
    clientChanged: false, // the profile flag clientChanged refuses refresh grants once this is true (scripts/lib/profiles.js)
    codeTtl: 60,
    cors: true, // false: the app's origin is not an allowed origin (a client registered without its web origin)
    authorizationError: null, // null | an OAuth error code: see refuseAuthorization
  }
  let stats = emptyCounts()
  /** token requests currently held by a `hang` failure: Set<{ release() }> */
  const hanging = new Set()

  // ---- listen first, so port 0 resolves before the issuer (which contains the port) is fixed ----
  const server = http.createServer()
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address()
  const issuer = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`

  const store = createStore()
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })

  const provider = new Provider(issuer, {
    adapter: store.adapterFor,
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'dev-rs256', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    clients: [publicClient(CLIENT_ID, 'tabauth example', appOrigins), dpopClient(appOrigins)],
    responseTypes: ['code'],
    pkce: { required: () => true }, // v9 only supports S256
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
    },
    // Put the scope-granted claims (name, email) into the ID token too, so a SPA can show the
    // user without calling userinfo. (Default true = id_token from the code flow carries only sub.)
    conformIdTokenClaims: false,
    findAccount: async (ctx, sub) => ({
      accountId: sub,
      // Any login name works in --interactive mode; only the known users have a full profile.
      claims: async () => (USERS.has(sub) ? { ...USERS.get(sub) } : { sub, name: sub }),
    }),
    // Strict by default, as real servers are: a refresh token only for a grant with offline_access.
    // The profile flag refreshTokens: 'always' gives one to every grant (the old, lenient behaviour).
    issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token') && (opts.profile?.refreshTokens === 'always' || code.scopes.has('offline_access')),
    rotateRefreshToken: () => opts.profile?.rotate !== false,
    clientBasedCORS: (ctx, origin) => settingsState.cors && appOrigins.includes(origin),
    ttl: {
      AccessToken: () => settingsState.accessTokenTtl,
      // New refresh tokens live `refreshTokenTtl`; a rotated one never outlives its predecessor
      // (absolute family lifetime, as oidc-provider's default does for public browser clients).
      RefreshToken: (ctx) => {
        const rotated = ctx?.oidc?.entities?.RotatedRefreshToken
        const ttl = settingsState.refreshTokenTtl
        return rotated ? Math.max(1, Math.min(ttl, rotated.remainingTTL)) : ttl
      },
      AuthorizationCode: () => settingsState.codeTtl,
      IdToken: () => 3600,
      Interaction: () => 3600,
      Session: () => 14 * DAY,
      Grant: () => Math.max(14 * DAY, settingsState.refreshTokenTtl),
    },
    features: {
      devInteractions: { enabled: opts.interactive },
      // Only the client a token was issued to may revoke it (others: silently ignored, per RFC 7009).
      revocation: { enabled: true, allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      ...(opts.profile?.oauth2 ? { resourceIndicators: OAUTH2_RESOURCE } : {}),
      dPoP: dpopFeature(),
      rpInitiatedLogout: {
        enabled: true,
        ...(opts.interactive ? {} : { logoutSource: autoConfirmLogoutSource }),
        postLogoutSuccessSource,
      },
    },
    renderError,
  })

  provider.on('end_session.success', (ctx) => {
    stats.logouts += 1
    // Ending the session at the server does not, by itself, end an offline_access grant (oidc-provider
    // marks such an authorization `persistsLogout`; Auth0, Okta and Keycloak's offline sessions do the
    // same): only the app's own revocation ends it. Grants without offline_access end with the session.
    // The profile flag endSessionRevokes: true revokes every grant of the browser session here (the
    // old, lenient behaviour, which would hide an app that forgets to revoke). store.revokeGrant is
    // synchronous, so this completes before the 303 to post_logout_redirect_uri is sent.
    if (opts.profile?.endSessionRevokes && ctx.oidc.params?.logout) {
      for (const { grantId } of Object.values(ctx.oidc.session?.authorizations ?? {})) {
        if (grantId) store.revokeGrant(grantId)
      }
    }
  })
  // The token endpoint's error body is generic; keep the real reason for /__test/counts.
  const rememberError = (ctx, err) => {
    if (ctx?.state) ctx.state.tokenError = err
  }
  provider.on('grant.error', rememberError)
  provider.on('server_error', rememberError)

  // ---- middleware, in order; all run before the OIDC routes -----------------------------------
  provider.use(testApi)
  provider.use(countRequests)
  provider.use(tokenEndpointStats)
  provider.use(explainRefusals)
  provider.use(tokenFailureInjection)
  // ---- server profile (options.profile): other servers' behaviour, see scripts/lib/profiles.js ----
  if (opts.profile) provider.use(profileMiddleware(opts.profile, { provider, store, issuer, appOrigins, settings: () => settingsState }))
  provider.use(offlineAccess)
  provider.use(crossOriginOpenerPolicy)
  provider.use(refuseAuthorization)
  provider.use(autoInteraction)
  provider.use(notesResource({ provider, appOrigins, count: (outcome) => (stats.notes[outcome] += 1) }))

  server.on('request', provider.callback())
  log(`issuer ${issuer} (client_id ${CLIENT_ID}; app origins ${appOrigins.join(', ')})`)

  // ---- operations shared by the HTTP control API and the returned object ----------------------
  function counts() {
    return { ...structuredClone(stats), hanging: hanging.size }
  }
  function reset() {
    stats = emptyCounts()
    return counts()
  }
  function settings(patch) {
    if (patch !== undefined) {
      const next = { ...settingsState }
      if (patch.accessTokenTtl !== undefined) next.accessTokenTtl = positiveInt(patch.accessTokenTtl, 'accessTokenTtl')
      if (patch.refreshTokenTtl !== undefined) next.refreshTokenTtl = positiveInt(patch.refreshTokenTtl, 'refreshTokenTtl')
      if (patch.codeTtl !== undefined) next.codeTtl = positiveInt(patch.codeTtl, 'codeTtl')
      if (patch.cors !== undefined) next.cors = Boolean(patch.cors)
      if (patch.coop !== undefined) next.coop = Boolean(patch.coop)
      if (patch.clientChanged !== undefined) next.clientChanged = Boolean(patch.clientChanged)
      if (patch.tokenFailure !== undefined) {
        next.tokenFailure = validateFailure(patch.tokenFailure)
        // Any explicit tokenFailure update releases the requests held by an earlier `hang`.
        for (const held of [...hanging]) held.release()
      }
      if (patch.authorizationError !== undefined) next.authorizationError = validateAuthorizationError(patch.authorizationError)
      Object.assign(settingsState, next)
    }
    return structuredClone(settingsState)
  }
  async function revoke(sub) {
    const grants = store.all('Grant').filter(({ payload }) => payload.accountId === sub)
    for (const { id } of grants) store.revokeGrant(id)
    return { revoked: grants.length }
  }
  /** Ends one access token before its time, as a resource server sees a token its server revoked. */
  async function expire(token) {
    const found = typeof token === 'string' ? await provider.AccessToken.find(token) : undefined
    await found?.destroy()
    return { expired: found ? 1 : 0 }
  }
  async function close() {
    for (const held of [...hanging]) held.abort()
    await new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  // ---- middleware implementations --------------------------------------------------------------

  /** /__test/* JSON control API with CORS for the app origins. */
  async function testApi(ctx, next) {
    if (!ctx.path.startsWith('/__test/')) return next()
    const origin = ctx.get('Origin')
    if (origin && appOrigins.includes(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin)
      ctx.vary('Origin')
    }
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST')
      ctx.set('Access-Control-Allow-Headers', ctx.get('Access-Control-Request-Headers') || 'content-type')
      ctx.set('Access-Control-Max-Age', '600')
      ctx.status = 204
      return
    }
    ctx.set('Cache-Control', 'no-store')
    const route = `${ctx.method} ${ctx.path}`
    try {
      switch (route) {
        case 'GET /__test/health':
          ctx.body = { ok: true, issuer }
          return
        case 'GET /__test/counts':
          ctx.body = counts()
          return
        case 'POST /__test/reset':
          ctx.body = reset()
          return
        case 'GET /__test/settings':
          ctx.body = settings()
          return
        case 'POST /__test/settings':
          ctx.body = settings(await readJson(ctx.req))
          return
        case 'POST /__test/revoke': {
          const { sub = TEST_USER.sub } = await readJson(ctx.req)
          ctx.body = await revoke(sub)
          return
        }
        case 'POST /__test/expire':
          ctx.body = await expire((await readJson(ctx.req)).token)
          return
        default:
          ctx.status = 404
          ctx.body = { error: 'not_found', route }
      }
    } catch (err) {
      ctx.status = 400
      ctx.body = { error: 'bad_request', message: err.message }
    }
  }

  /** Counts authorization, userinfo and revocation requests (CORS preflights excluded). */
  async function countRequests(ctx, next) {
    if (ctx.method !== 'OPTIONS') {
      if (ctx.path === '/auth') stats.authorizations += 1
      else if (ctx.path === '/me') stats.userinfo += 1
      else if (ctx.path === '/token/revocation' && ctx.method === 'POST') stats.revocations += 1
    }
    return next()
  }

  /**
   * Counts every POST /token exactly once, after the response is decided: 200 = success, anything
   * else = error. Injected failures are recorded by tokenFailureInjection (never reach here twice).
   */
  async function tokenEndpointStats(ctx, next) {
    if (!(ctx.path === '/token' && ctx.method === 'POST')) return next()
    await next()
    if (ctx.state.injected) return // already counted
    const grantType = ctx.state.grantType ?? ctx.oidc?.params?.grant_type ?? ctx.oidc?.body?.grant_type ?? 'unknown'
    if (ctx.status === 200) {
      bucket(grantType).success += 1
    } else {
      const err = ctx.state.tokenError
      recordError(grantType, err?.error ?? ctx.body?.error ?? `http_${ctx.status}`, err?.error_detail ?? err?.message)
    }
  }

  /**
   * An invalid_grant says why (oidc-provider's own reason: "authorization code not found", "refresh token
   * already used", "authorization code redirect_uri mismatch", ...), as Keycloak and Entra ID do, and not
   * oidc-provider's "grant request is invalid" for every cause. A profile's invalidGrantText (inner) wins;
   * the profile flag genericInvalidGrant keeps oidc-provider's generic text.
   */
  async function explainRefusals(ctx, next) {
    await next()
    const detail = ctx.state.tokenError?.error_detail
    if (opts.profile?.genericInvalidGrant || ctx.path !== '/token' || !detail) return
    if (ctx.body?.error === 'invalid_grant' && ctx.body.error_description === 'grant request is invalid') ctx.body.error_description = detail
  }

  /** settings.tokenFailure: answer N token requests with an error status, or hold them. */
  async function tokenFailureInjection(ctx, next) {
    const failure = settingsState.tokenFailure
    if (!failure || !(ctx.path === '/token' && ctx.method === 'POST')) return next()

    if (failure.times !== undefined) {
      failure.times -= 1
      if (failure.times <= 0) settingsState.tokenFailure = null
    }
    // Read the form body ourselves to learn grant_type (the provider never sees these requests,
    // except released hung ones, which get the body through req.body — see below).
    const raw = await readRaw(ctx.req)
    const grantType = new URLSearchParams(raw).get('grant_type') ?? 'unknown'
    ctx.state.grantType = grantType
    const origin = ctx.get('Origin')
    const cors = () => {
      if (origin && appOrigins.includes(origin)) {
        ctx.set('Access-Control-Allow-Origin', origin)
        ctx.vary('Origin')
      }
    }

    if (!failure.hang) {
      ctx.state.injected = true
      stats.injected += 1
      recordError(grantType, failure.error ?? 'server_error', `injected HTTP ${failure.status}`)
      cors()
      ctx.status = failure.status
      ctx.set('Cache-Control', 'no-store')
      if (failure.retryAfter) {
        ctx.set('Retry-After', String(failure.retryAfter))
        ctx.set('Access-Control-Expose-Headers', 'Retry-After') // else a cross-origin page cannot read it
      }
      ctx.body = { error: failure.error ?? 'server_error', error_description: 'injected failure (tabauth test provider)' }
      return
    }

    // hang: hold the request until tokenFailure is updated again (then process it normally) or
    // the client gives up (then count it as an injected error; there is nobody to answer).
    const outcome = await new Promise((resolve) => {
      const held = {
        release: () => finish('release'),
        abort: () => finish('abort'),
      }
      const finish = (how) => {
        hanging.delete(held)
        ctx.res.off('close', onClose)
        resolve(how)
      }
      const onClose = () => finish('abort')
      ctx.res.on('close', onClose)
      hanging.add(held)
    })
    if (outcome === 'abort') {
      ctx.state.injected = true
      stats.injected += 1
      recordError(grantType, 'hang', 'injected hang: connection closed before release')
      ctx.respond = false // socket is gone (or the server is closing)
      if (!ctx.res.destroyed) ctx.res.destroy()
      return
    }
    // Released: hand the already-read body to oidc-provider (its parser falls back to req.body and
    // prints a one-time "already parsed request body" warning) and process normally.
    ctx.req.body = raw
    return next()
  }

  /**
   * offline_access as most servers treat it (Auth0, Okta, Keycloak, Entra ID): granted when asked for.
   * oidc-provider itself follows OpenID Connect Core §11 to the letter and drops offline_access from an
   * authorization request without `prompt=consent`; so a request that asks for offline_access and says
   * no prompt (or prompts only for login) gets `consent` added to its prompt here, and the automatic
   * consent below grants it. The profile flag offlineAccess: 'prompt-consent' keeps oidc-provider's rule.
   */
  async function offlineAccess(ctx, next) {
    if (opts.profile?.offlineAccess === 'prompt-consent' || ctx.path !== '/auth' || ctx.method !== 'GET') return next()
    const { scope, prompt } = ctx.query
    const prompts = typeof prompt === 'string' ? prompt.split(' ').filter(Boolean) : []
    if (typeof scope === 'string' && scope.split(' ').includes('offline_access') && !prompts.includes('consent') && !prompts.includes('none')) {
      ctx.query = { ...ctx.query, prompt: [...prompts, 'consent'].join(' ') }
    }
    return next()
  }

  /** settings.coop: the sign-in pages send COOP, as many real providers do. */
  async function crossOriginOpenerPolicy(ctx, next) {
    await next()
    if (settingsState.coop && (ctx.path === '/auth' || ctx.path.startsWith('/interaction/'))) {
      ctx.set('Cross-Origin-Opener-Policy', 'same-origin')
    }
  }

  /**
   * settings.authorizationError: the interaction ends with that error instead of a sign-in, so the
   * app's callback gets `error=<code>` (RFC 6749 §4.1.2.1), as when a user clicks "Cancel".
   */
  async function refuseAuthorization(ctx, next) {
    const error = settingsState.authorizationError
    if (!error || ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next()
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { error, error_description: 'refused by the test provider (settings.authorizationError)' }, { mergeWithLastSubmission: false })
    ctx.status = 303
    ctx.redirect(returnTo)
  }

  /**
   * Non-interactive login (of the user `login_hint` names, else alice) + consent. With `interactive`, only consent is automatic and
   * login is devInteractions' real form.
   */
  async function autoInteraction(ctx, next) {
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path)
    if (!match || ctx.method !== 'GET') return next()
    const details = await provider.interactionDetails(ctx.req, ctx.res)
    const { prompt, params, session, grantId } = details

    if (prompt.name === 'login') {
      if (opts.interactive) return next()
      const returnTo = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId: USERS.has(params.login_hint) ? params.login_hint : TEST_USER.sub } },
        { mergeWithLastSubmission: false },
      )
      ctx.status = 303
      ctx.redirect(returnTo)
      return
    }

    if (prompt.name === 'consent') {
      const grant = (grantId && (await provider.Grant.find(grantId))) || new provider.Grant({ accountId: session.accountId, clientId: params.client_id })
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '))
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims)
      if (missingResourceScopes) {
        for (const [indicator, scopes] of Object.entries(missingResourceScopes)) {
          grant.addResourceScope(indicator, scopes.join(' '))
        }
      }
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true })
      ctx.status = 303
      ctx.redirect(returnTo)
      return
    }
    return next()
  }

  function bucket(grantType) {
    stats.token[grantType] ??= { success: 0, error: 0 }
    return stats.token[grantType]
  }
  function recordError(grantType, error, detail) {
    bucket(grantType).error += 1
    stats.errors.push({ grant_type: grantType, error, detail: detail ?? null, at: new Date().toISOString() })
  }

  return { issuer, port, close, counts, reset, settings, revoke, expire, provider }
}

// ---- DPoP (RFC 9449) ---------------------------------------------------------------------------
// A second client, DPOP_CLIENT_ID, that must use DPoP (its tokens are bound to the app's key) and
// must answer nonce challenges: every proof needs the server's latest DPoP-Nonce. The first
// client keeps Bearer tokens and no nonces.

function dpopClient(appOrigins) {
  return { ...publicClient(DPOP_CLIENT_ID, 'tabauth example (DPoP)', appOrigins), dpop_bound_access_tokens: true }
}

/** A browser app's client: public (no secret), code + refresh token, redirects back to each app origin. */
function publicClient(clientId, name, appOrigins) {
  return {
    client_id: clientId,
    client_name: name,
    token_endpoint_auth_method: 'none',
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: appOrigins.map((o) => `${o}/callback`),
    post_logout_redirect_uris: appOrigins.map((o) => `${o}/`),
  }
}

function dpopFeature() {
  return {
    enabled: true,
    nonceSecret: crypto.randomBytes(32),
    // At userinfo (a resource server) the client is not known yet; only DPoP-bound tokens get here with a proof.
    requireNonce: (ctx) => ctx.oidc?.client?.clientId === DPOP_CLIENT_ID || ctx.path === '/me',
  }
}

// ---- pages -----------------------------------------------------------------------------------

/**
 * Logout confirmation that confirms itself: the provider's form (with its xsrf field) plus
 * logout=yes ("sign out of the whole session"), submitted by an inline script. oidc-provider sends
 * no Content-Security-Policy, so the inline script runs (checked in headless Chromium).
 */
async function autoConfirmLogoutSource(ctx, form) {
  const withLogout = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>')
  ctx.body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Signing out</title></head>
<body>
  ${withLogout}
  <noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
  <script>document.getElementById('op.logoutForm').submit();</script>
</body></html>`
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><h1>Signed out</h1></body></html>'
}

async function renderError(ctx, out) {
  ctx.type = 'html'
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(out.error)}</title></head><body><h1>${esc(out.error)}</h1><pre>${esc(JSON.stringify(out, null, 2))}</pre></body></html>`
}

// ---- helpers ---------------------------------------------------------------------------------

function emptyCounts() {
  return {
    token: {
      authorization_code: { success: 0, error: 0 },
      refresh_token: { success: 0, error: 0 },
    },
    authorizations: 0,
    revocations: 0,
    logouts: 0,
    userinfo: 0,
    injected: 0,
    notes: { read: 0, saved: 0, rejected: 0 },
    errors: [],
  }
}

function validateFailure(value) {
  if (value === null || value === false) return null
  if (typeof value !== 'object') throw new TypeError('tokenFailure must be null or an object')
  const times = value.times === undefined || value.times === null ? undefined : positiveInt(value.times, 'tokenFailure.times')
  if (value.hang) return { hang: true, ...(times ? { times } : {}) }
  const status = Number(value.status)
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new TypeError('tokenFailure needs { status: 400..599 } or { hang: true }')
  }
  const retryAfter = value.retryAfter === undefined || value.retryAfter === null ? undefined : positiveInt(value.retryAfter, 'tokenFailure.retryAfter')
  return { status, ...(value.error ? { error: String(value.error) } : {}), ...(times ? { times } : {}), ...(retryAfter ? { retryAfter } : {}) }
}

function validateAuthorizationError(value) {
  if (value === null || value === false) return null
  if (typeof value !== 'string' || !/^[a-z_]+$/.test(value)) throw new TypeError('authorizationError must be null or an OAuth error code such as access_denied')
  return value
}

function positiveInt(value, name) {
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new TypeError(`${name} must be a positive integer, got ${value}`)
  return n
}

function stripUndefined(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined))
}

async function readRaw(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

async function readJson(req) {
  const raw = await readRaw(req)
  return raw.trim() ? JSON.parse(raw) : {}
}

// ---- CLI ----------------------------------------------------------------------------------------

export const USAGE = `Usage: tabauth-dev-provider [options]   (in this repository: npm run provider -- [options])

A development OpenID provider on 127.0.0.1 for a single-page app at --app-origin. It signs in the
test user alice without a form (login_hint=bob signs in bob), and behaves like a strict server: a
refresh token only with the offline_access scope, rotation with reuse detection, exact redirect URIs.

  --app-origin URL         the app's origin, e.g. http://localhost:3000 (repeatable; default
                           http://127.0.0.1:5173 and http://localhost:5173). Registers
                           URL/callback as redirect URI, URL/ as post-logout URI, and allows URL (CORS)
  --port N                 default 9000; 0 = any free port (the first line printed is the issuer)
  --access-token-ttl S     access token lifetime in seconds (default 300)
  --refresh-token-ttl S    refresh token lifetime in seconds (default 14 days)
  --profile NAME           behave like another kind of server (repeatable, flags merge): see
                           scripts/lib/profiles.js; e.g. "refresh token for every grant",
                           "end-session revokes every grant", "offline_access needs prompt=consent"
  --interactive            a real login form instead of signing alice in by itself
  --help                   this text

env: PROVIDER_PORT, APP_ORIGINS (comma-separated), ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL, INTERACTIVE=1`

export function parseProviderArgs(argv, env = process.env) {
  const options = {
    port: env.PROVIDER_PORT !== undefined ? Number(env.PROVIDER_PORT) : undefined,
    appOrigins: env.APP_ORIGINS
      ? env.APP_ORIGINS.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    accessTokenTtl: env.ACCESS_TOKEN_TTL ? Number(env.ACCESS_TOKEN_TTL) : undefined,
    refreshTokenTtl: env.REFRESH_TOKEN_TTL ? Number(env.REFRESH_TOKEN_TTL) : undefined,
    interactive: env.INTERACTIVE === '1' || env.INTERACTIVE === 'true' ? true : undefined,
  }
  const cliOrigins = []
  const profiles = []
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]
    const value = () => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${arg} needs a value`)
      return v
    }
    switch (arg) {
      case '--port':
        options.port = Number(value())
        break
      case '--app-origin':
        cliOrigins.push(appOrigin(value()))
        break
      case '--access-token-ttl':
        options.accessTokenTtl = Number(value())
        break
      case '--refresh-token-ttl':
        options.refreshTokenTtl = Number(value())
        break
      case '--profile':
        profiles.push(value())
        break
      case '--interactive':
        options.interactive = true
        break
      case '--help':
      case '-h':
        options.help = true
        break
      default:
        throw new Error(`unknown argument ${arg} (--help lists them)`)
    }
  }
  if (cliOrigins.length) options.appOrigins = cliOrigins
  if (profiles.length) {
    const { refreshTokenTtl, ...flags } = Object.assign({}, ...profiles.map(profileNamed))
    options.profile = flags
    options.profileNames = profiles
    options.refreshTokenTtl ??= refreshTokenTtl
  }
  return options
}

/** An app origin as given on the command line: http(s), no path (a path there is a mistake worth saying). */
function appOrigin(value) {
  let url
  try {
    url = new URL(value)
  } catch {
    throw new Error(`--app-origin ${value} is not a URL (e.g. http://localhost:3000)`)
  }
  if (!/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash) {
    throw new Error(`--app-origin ${value} must be an origin: scheme, host and port only (e.g. http://localhost:3000)`)
  }
  return url.origin
}

/** The command line: the issuer on the first line (scripts read it), then what to register in the app. */
export async function runCli(argv = process.argv.slice(2)) {
  let options
  try {
    options = parseProviderArgs(argv)
  } catch (err) {
    console.error(`tabauth-dev-provider: ${err.message}`)
    process.exit(2)
  }
  if (options.help) {
    console.log(USAGE)
    return
  }
  let op
  try {
    op = await startProvider({ ...options, quiet: true })
  } catch (err) {
    const port = options.port ?? DEFAULTS.port
    console.error(`tabauth-dev-provider: ${err.code === 'EADDRINUSE' ? `port ${port} is in use (--port N picks another, --port 0 any free one)` : err.message}`)
    process.exit(1)
  }
  const origins = options.appOrigins ?? DEFAULTS.appOrigins
  const ttl = op.settings()
  console.log(op.issuer)
  console.log(`  issuer                 ${op.issuer}
  client_id              ${CLIENT_ID}   (public: no secret; PKCE S256 required)
  app origins (CORS)     ${origins.map((o) => new URL(o).origin).join(', ')}
  redirect URIs          ${origins.map((o) => `${new URL(o).origin}/callback`).join(', ')}
  post-logout URIs       ${origins.map((o) => `${new URL(o).origin}/`).join(', ')}
  refresh tokens         ${options.profile?.refreshTokens === 'always' ? 'for every grant' : 'only with the offline_access scope'}, rotated, reuse revokes the grant
  token lifetimes        access ${ttl.accessTokenTtl} s, refresh ${ttl.refreshTokenTtl} s
  user                   ${options.interactive ? 'login form: any name and password' : `${TEST_USER.sub} (${TEST_USER.name}), signed in without a form`}${options.profileNames ? `\n  profile                ${options.profileNames.join(' + ')}` : ''}
  Ctrl-C stops it.`)
  const stop = async () => {
    await op.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runCli()
