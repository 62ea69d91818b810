import { isInvalidTokenResponse } from './oauth'

/**
 * `fetch` with the access token, read at call time, sent by `send` (a Bearer
 * header, or a DPoP proof: `OAuth.resourceRequest`). On a 401 whose challenge
 * says `invalid_token` (revoked, clock skew) it asks for a new token once and
 * replays once; a second 401 is returned, never looped.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function fetchWithToken(
  send: (request: Request, token: string) => Promise<Response>,
  getAccessToken: (options?: { rejected?: string }) => Promise<string>,
): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const request = new Request(input, init)
    const token = await getAccessToken()
    const response = await send(request.clone(), token)
    if (!isInvalidTokenResponse(response)) return response
    const next = await getAccessToken({ rejected: token }).catch(() => undefined)
    if (next === undefined || next === token) return response
    return send(request, next)
  }
}
