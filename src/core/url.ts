import { AuthError } from './errors'

/**
 * Where to send the user after sign-in: only a path on our own origin, so a
 * crafted `returnTo` can never turn the callback into an open redirect.
 */
export function safeReturnTo(value: unknown, origin: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/'
  try {
    const url = new URL(value, origin)
    // `/%2F%2Fevil.example` and `/%09/evil.example` are paths here, but a router that decodes them
    // makes a host of them (a URL parser drops tabs and newlines): the decoded path must stay ours too.
    if (url.origin !== origin || new URL(safeDecode(url.pathname), origin).origin !== origin) return '/'
    return url.pathname + url.search + url.hash
  } catch {
    return '/'
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return '//' // malformed escapes: not a path we hand to a router
  }
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/

/** Plain http is only for loopback issuers (development); anything else must be https. */
export function parseIssuer(issuer: string): URL {
  let url: URL
  try {
    url = new URL(issuer)
  } catch (cause) {
    throw new AuthError('CONFIG', `issuer "${issuer}" is not an absolute URL.`, { cause })
  }
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return url
  throw new AuthError('CONFIG', `issuer "${issuer}" must use https (plain http is accepted only for localhost, 127.0.0.0/8 and [::1]).`)
}

export function isLoopback(url: URL): boolean {
  return LOOPBACK.test(url.hostname)
}

/** True when `current` is the redirect URI carrying an authorization response. */
export function isCallback(current: URL, redirectUri: URL): boolean {
  return current.origin === redirectUri.origin && current.pathname === redirectUri.pathname && (current.searchParams.has('code') || current.searchParams.has('error'))
}

/**
 * True when `url` is under one of `servers` (an origin, or an origin and a path prefix that
 * matches whole segments), over https, or plain http on loopback only.
 */
export function isResourceServer(url: URL, servers: string[]): boolean {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) return false
  return servers.some((server) => {
    const base = new URL(server)
    const prefix = base.pathname.replace(/\/$/, '')
    return url.origin === base.origin && (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`))
  })
}
