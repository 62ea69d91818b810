/**
 * Fakes for the core's adapters and a small fake authorization server, for fast
 * unit tests in node. They stand in for the real provider only in unit tests; the
 * e2e tests run the same flows against oidc-provider in Chromium.
 */
import { createAuthClient, inTabLock, memoryStore, type AuthConfig, type Channel, type Clock, type KeyValueStorage, type Lock, type Navigation, type PageLifecycle, type SessionStore } from '../../src'

export const ISSUER = 'https://id.example.test'
export const CLIENT_ID = 'spa'
export const APP = 'https://app.example.test'

/** `earlyMs`: timers fire that much before their time, as browser timers may by `Date.now()`. */
export function fakeClock(start = Date.now(), earlyMs = 0): Clock & { advance(ms: number): void; freeze(ms: number): void } {
  let now = start
  let timers: Array<{ at: number; fn: () => void }> = []
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const timer = { at: now + Math.max(0, ms - earlyMs), fn }
      timers.push(timer)
      return () => (timers = timers.filter((t) => t !== timer))
    },
    /** Moves time on; each due timer runs at its own time, in order. */
    advance(ms) {
      const target = now + ms
      for (;;) {
        const next = timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0]
        if (!next) break
        timers = timers.filter((t) => t !== next)
        now = Math.max(now, next.at)
        next.fn()
      }
      now = target
    },
    /** A frozen tab (debugger, a sleeping device): time passes and no timer runs; the next `advance` runs them late. */
    freeze(ms) {
      now += ms
    },
  }
}

export function memoryKeyValue(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return { data, get: (k) => data.get(k) ?? null, set: (k, v) => void data.set(k, v), remove: (k) => void data.delete(k) }
}

/** A BroadcastChannel stand-in: every endpoint hears the others, not itself. */
export function channelHub() {
  const endpoints = new Set<(message: unknown) => void>()
  return {
    endpoint(): Channel & { deafen(): void } {
      const own = new Set<(message: unknown) => void>()
      let deaf = false
      const deliver = (message: unknown) => deaf || own.forEach((listener) => listener(structuredClone(message)))
      endpoints.add(deliver)
      return {
        post: (message) => endpoints.forEach((other) => other !== deliver && queueMicrotask(() => other(message))),
        subscribe(listener) {
          own.add(listener)
          return () => own.delete(listener)
        },
        /** A frozen page, or one that missed a message: it hears nothing more (its own posts still go out). */
        deafen: () => void (deaf = true),
      }
    },
    /** A message from something that is not tabauth, or a broken one. */
    inject(message: unknown) {
      endpoints.forEach((deliver) => deliver(message))
    },
  }
}

/** `channel`, counting its live listeners: what a store or client left subscribed. */
export function countListeners(channel: Channel): Channel & { listening: number } {
  const counted = {
    listening: 0,
    post: channel.post,
    subscribe(listener: (message: unknown) => void) {
      counted.listening++
      const stop = channel.subscribe(listener)
      let on = true
      return () => {
        if (on) counted.listening--
        on = false
        stop()
      }
    },
  }
  return counted
}

export function fakeNavigation(url = `${APP}/`): Navigation & { url: string; assigned: string[] } {
  const nav = {
    url,
    assigned: [] as string[],
    currentUrl: () => nav.url,
    assign: (to: string) => void nav.assigned.push(to),
    replace: (to: string) => void (nav.url = new URL(to, nav.url).href),
  }
  return nav
}

export function fakeLifecycle(visible = true): PageLifecycle & { visible: boolean; online: boolean; wake(): void } {
  const listeners = new Set<() => void>()
  const lifecycle = {
    visible,
    online: true,
    isVisible: () => lifecycle.visible,
    isOnline: () => lifecycle.online,
    onWake(listener: () => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    wake: () => listeners.forEach((l) => l()),
  }
  return lifecycle
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

interface Grant {
  refreshToken: string
  revoked: boolean
}

/**
 * A tiny authorization server: discovery, code exchange with PKCE, rotating refresh
 * tokens with reuse detection (like oidc-provider), revocation. Counts requests.
 */
export function fakeServer(options: { expiresIn?: number; clock?: Clock } = {}) {
  const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; used: boolean; grant: Grant }>()
  const refreshTokens = new Map<string, { grant: Grant; used: boolean }>()
  let counter = 0
  const server = {
    expiresIn: options.expiresIn ?? 300,
    requests: { discovery: 0, authorization_code: 0, refresh_token: 0, revocation: 0, userinfo: 0 },
    /** The metadata paths asked for, in order. */
    discovered: [] as string[],
    /** Responses to give to the next token requests instead of the real answer. */
    failNext: [] as Array<() => Response | Promise<Response>>,
    /** Edits the body of the next successful token responses (to test what the client accepts). */
    tamperNext: [] as Array<(body: Record<string, unknown>, claims: Record<string, unknown>) => void>,
    /** Every code, access, refresh and ID token handed out: what must never show in logs, errors or events. */
    secrets: [] as string[],
    /** false: a plain OAuth 2.0 server (no ID tokens); its metadata is at the RFC 8414 path too. */
    idTokens: true,
    /** Sent as `refresh_token_expires_in` (seconds), like Entra ID does for SPAs. */
    refreshExpiresIn: undefined as number | undefined,
    /** Pauses token responses until released (to hold requests in flight). */
    gate: undefined as Promise<void> | undefined,
    metadata: {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/auth`,
      token_endpoint: `${ISSUER}/token`,
      revocation_endpoint: `${ISSUER}/revoke`,
      end_session_endpoint: `${ISSUER}/logout`,
      userinfo_endpoint: `${ISSUER}/userinfo`,
      authorization_response_iss_parameter_supported: true,
      id_token_signing_alg_values_supported: ['RS256'],
    },
    /** What the authorization endpoint would do: remember the request, answer with a code. */
    async authorize(authorizationUrl: string, redirect: { error?: string; iss?: string; state?: string } = {}): Promise<string> {
      const request = new URL(authorizationUrl).searchParams
      const callback = new URL(request.get('redirect_uri')!)
      callback.searchParams.set('state', redirect.state ?? request.get('state')!)
      callback.searchParams.set('iss', redirect.iss ?? ISSUER)
      if (redirect.error) {
        callback.searchParams.set('error', redirect.error)
        return callback.href
      }
      const code = `code-${++counter}-${crypto.randomUUID()}`
      server.secrets.push(code)
      codes.set(code, { nonce: request.get('nonce')!, challenge: request.get('code_challenge')!, redirectUri: request.get('redirect_uri')!, used: false, grant: { refreshToken: '', revoked: false } })
      callback.searchParams.set('code', code)
      return callback.href
    },
    revokeAll() {
      for (const { grant } of refreshTokens.values()) grant.revoked = true
    },
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      if (url.pathname === '/.well-known/openid-configuration' || url.pathname === '/.well-known/oauth-authorization-server') {
        server.requests.discovery++
        server.discovered.push(url.pathname)
        return json(server.metadata)
      }
      if (url.pathname === '/userinfo') {
        server.requests.userinfo++
        return json({ sub: 'alice', name: 'Alice Example' })
      }
      const body = new URLSearchParams(String(init?.body ?? ''))
      if (url.pathname === '/revoke') {
        server.requests.revocation++
        const entry = refreshTokens.get(body.get('token') ?? '')
        if (entry) entry.grant.revoked = true
        return new Response(null, { status: 200 })
      }
      if (url.pathname !== '/token') return new Response('not found', { status: 404 })
      const grantType = body.get('grant_type') as 'authorization_code' | 'refresh_token'
      server.requests[grantType]++
      await server.gate
      const failure = server.failNext.shift()
      if (failure) return failure()
      if (grantType === 'authorization_code') {
        const entry = codes.get(body.get('code') ?? '')
        if (!entry) return oauthError('invalid_grant')
        if (entry.used) {
          entry.grant.revoked = true
          return oauthError('invalid_grant')
        }
        if (body.get('redirect_uri') !== entry.redirectUri) return oauthError('invalid_grant')
        const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body.get('code_verifier') ?? ''))).toString('base64url')
        if (challenge !== entry.challenge) return oauthError('invalid_grant')
        entry.used = true
        return json(issue(entry.grant, entry.nonce))
      }
      const entry = refreshTokens.get(body.get('refresh_token') ?? '')
      if (!entry || entry.grant.revoked) return oauthError('invalid_grant')
      if (entry.used) {
        entry.grant.revoked = true // reuse of a rotated refresh token kills the whole grant
        return oauthError('invalid_grant')
      }
      entry.used = true
      return json(issue(entry.grant))
    }) as typeof fetch,
  }

  function issue(grant: Grant, nonce?: string) {
    const n = `${++counter}-${crypto.randomUUID()}`
    grant.refreshToken = `rt-${n}`
    refreshTokens.set(grant.refreshToken, { grant, used: false })
    const now = Math.floor((options.clock?.now() ?? Date.now()) / 1000)
    const claims: Record<string, unknown> = { iss: ISSUER, aud: CLIENT_ID, sub: 'alice', name: 'Alice Example', iat: now, exp: now + 3600, ...(nonce ? { nonce } : {}) }
    const body: Record<string, unknown> = {
      access_token: `at-${n}`,
      token_type: 'Bearer',
      expires_in: server.expiresIn,
      refresh_token: grant.refreshToken,
      ...(server.refreshExpiresIn === undefined ? {} : { refresh_token_expires_in: server.refreshExpiresIn }),
    }
    server.tamperNext.shift()?.(body, claims)
    if (server.idTokens) body.id_token = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`
    server.secrets.push(`at-${n}`, grant.refreshToken, ...(server.idTokens ? [body.id_token as string] : []))
    return body
  }
  return server
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

export function oauthError(error: string, status = 400) {
  return json({ error, error_description: 'grant request is invalid' }, status)
}

/** One "tab": a client with its own navigation, lifecycle and sessionStorage, sharing store, lock and channel with its siblings. */
export function tabs(options: { expiresIn?: number; earlyTimersMs?: number } = {}) {
  const clock = fakeClock(Date.now(), options.earlyTimersMs)
  const server = fakeServer({ ...options, clock })
  const store: SessionStore = memoryStore()
  // One in-realm lock shared by every fake tab: for them it is what Web Locks are across real tabs.
  const lock: Lock = { ...inTabLock(), crossTab: true }
  const hub = channelHub()
  return {
    clock,
    server,
    store,
    hub,
    open(overrides: Partial<AuthConfig> & { url?: string } = {}) {
      const navigation = fakeNavigation(overrides.url)
      const lifecycle = fakeLifecycle()
      const transactionStorage = memoryKeyValue()
      const channel = hub.endpoint()
      const client = createAuthClient({
        issuer: ISSUER,
        clientId: CLIENT_ID,
        fetch: server.fetch,
        clock,
        store,
        lock,
        channel,
        navigation,
        lifecycle,
        transactionStorage,
        debug: false,
        ...overrides,
      })
      return { client, navigation, lifecycle, transactionStorage, deafen: channel.deafen }
    },
  }
}

/** Signs `tab` in through the fake server: login → authorize → callback in the same tab. */
export async function signIn(env: ReturnType<typeof tabs>, tab: ReturnType<ReturnType<typeof tabs>['open']>, config: Partial<AuthConfig> = {}) {
  await tab.client.start()
  await tab.client.login()
  const callback = await env.server.authorize(tab.navigation.assigned.at(-1)!)
  tab.client.dispose() // that page is gone: the browser navigated to the server
  // The browser loads the callback URL: a new page, a new client, the same sessionStorage.
  const next = env.open({ ...config, url: callback, transactionStorage: tab.transactionStorage })
  await next.client.start()
  return { ...next, transactionStorage: tab.transactionStorage, callback }
}
