import { AuthError } from './errors'
import { isInvalidTokenResponse } from './oauth'
import { isResourceServer } from './url'

/**
 * `fetch` with the access token, read at call time, sent by `send` (a Bearer
 * header, or a DPoP proof: `OAuth.resourceRequest`), and only to the resource
 * servers the app names (`resourceServers`): a URL from an API response (a `next` link, a
 * presigned URL) must never carry the token to a third party (RFC 9700 §2.3).
 * On a 401 whose challenge says `invalid_token` (revoked, clock skew) it asks for
 * a new token once and replays once; a second 401 is returned, never looped.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function fetchWithToken(
  send: (request: Request, token: string) => Promise<Response>,
  getAccessToken: (options?: { rejected?: string }) => Promise<string>,
  resourceServers: () => string[],
): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = new Request(input, init)
    const servers = resourceServers()
    if (!isResourceServer(new URL(request.url), servers)) {
      throw new AuthError(
        'CONFIG',
        `${request.url} is not on a resource server of this app (resourceServers: ${servers.join(', ')}): nothing was sent. Add its origin (or origin and path) to resourceServers.`,
      )
    }
    const token = await getAccessToken()
    const response = await send(request.clone(), token)
    if (!isInvalidTokenResponse(response)) return response
    const next = await getAccessToken({ rejected: token }).catch(() => undefined)
    if (next === undefined || next === token) return response
    return send(request, next)
  }
}
