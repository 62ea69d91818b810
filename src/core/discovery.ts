/**
 * Discovery that says what happened. Wraps the fetch used for the metadata
 * request: a redirect is followed only within the issuer's origin (the issuer
 * check stays exact, oauth.ts), and a 404, an HTML page or a redirect elsewhere
 * become a DISCOVERY_FAILED that names it and the fix.
 */
import { AuthError } from './errors'

const FIX = 'set issuer to its metadata\'s exact "issuer", or pass the `metadata` option'

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
    if (response.status === 404) throw new AuthError('DISCOVERY_FAILED', `${url} answered HTTP 404; ${FIX}.`, { status: 404 })
    const type = response.headers.get('content-type') ?? ''
    if (response.ok && !/json/i.test(type)) {
      throw new AuthError('DISCOVERY_FAILED', `${url} answered ${type.split(';')[0] || 'no content type'} instead of JSON; ${FIX}.`, { status: response.status })
    }
    return response
  }
}

function redirected(url: string, target: string, cause?: unknown): AuthError {
  return new AuthError('DISCOVERY_FAILED', `${url} redirects to ${target}, another origin: refused; ${FIX}.`, { cause })
}
