/**
 * Discovery's redirects. Wraps the fetch used for the metadata request: a redirect is followed only
 * within the issuer's origin (the issuer check stays exact, oauth.ts); a redirect elsewhere is a
 * DISCOVERY_FAILED that names it and the fix. A 404 or an HTML page oauth4webapi refuses itself,
 * and oauth.ts names it.
 */
import { AuthError } from './errors'

/** For messages only (development builds). */
export const DISCOVERY_FIX = 'set issuer to its metadata\'s exact "issuer", or pass the `metadata` option'

export function discoveryFetch(fetchImpl: typeof fetch, issuer: URL): typeof fetch {
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input)
    let response = await fetchImpl(input, init)
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
      // Browsers hide a manual redirect's Location: follow it to learn where it leads.
      const target = response.headers.get('location')
      if (target && new URL(target, url).origin !== issuer.origin) throw redirected(url, new URL(target, url).href)
      response = await fetchImpl(input, { ...init, redirect: 'follow' }).catch((cause) => {
        throw redirected(url, target ?? 'another origin', cause)
      })
      const landed = response.url || (target ? new URL(target, url).href : '')
      if (!landed || new URL(landed).origin !== issuer.origin) throw redirected(url, landed || target || 'another origin')
    }
    return response
  }
}

function redirected(url: string, target: string, cause?: unknown): AuthError {
  return new AuthError('DISCOVERY_FAILED', `${url} redirects to ${target}, another origin: refused; ${DISCOVERY_FIX}.`, { cause })
}
