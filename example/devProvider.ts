import { issuer } from './auth'

// The dev provider's control API (scripts/provider.js, /__test/*): only `npm start`'s provider has it.
const controlUrl = (path: string) => `${issuer.replace(/\/$/, '')}/__test/${path}`

async function control<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(controlUrl(path), {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok) throw new Error(`${path} answered ${response.status} (is this the dev provider of npm start?)`)
  return (await response.json()) as T
}

type Outcomes = { success: number; error: number }

export interface TokenCounts {
  token: { authorization_code: Outcomes; refresh_token: Outcomes }
}

/** What the provider's token endpoint has answered since it started. */
export const tokenCounts = () => control<TokenCounts>('counts')

/** Ends this one access token at the provider (its refresh token lives on): the next API call gets 401 invalid_token. */
export const expireAccessToken = (token: string) => control<{ expired: number }>('expire', { token })

/** Revokes every grant of the user at the provider: the next refresh answers invalid_grant. */
export const revokeSession = (sub: string) => control<{ revoked: number }>('revoke', { sub })
