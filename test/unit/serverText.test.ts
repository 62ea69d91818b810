// invalid_grant in the server's own words: the texts real servers send, with where each is documented
// or reported, and the reason tabauth gives for it together with the client's own facts.
import { describe, expect, it } from 'vitest'
import { invalidGrantReasons, type CodeExchangeFacts, type RefreshFacts } from '../../src/core/explain'
import { serverTexts } from '../../src/server-texts'
import type { InvalidGrantReason } from '../../src/core/errors'

const DEV = "scripts/provider.js explainRefusals: oidc-provider's error_detail as the error_description"
const ENTRA_CODES = 'https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes'

/** [server, error_description as sent, grant, expected reasons, source] */
const TEXTS: Array<[string, string, 'code' | 'refresh', InvalidGrantReason[], string]> = [
  [
    'Entra ID',
    "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which can't be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on 2026-11-30T10:00:00Z.\r\nTrace ID: 0000\r\nCorrelation ID: 0000\r\nTimestamp: 2026-12-01 10:00:01Z",
    'refresh',
    ['refresh_token_lifetime_exceeded'],
    `${ENTRA_CODES}; https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens (SPA: 24 hours, carried over on rotation)`,
  ],
  [
    'Entra ID',
    'AADSTS54005: OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.\r\nTrace ID: 0000',
    'code',
    ['code_reused'],
    ENTRA_CODES,
  ],
  [
    'Entra ID',
    'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    'refresh',
    ['refresh_token_revoked_or_expired'],
    ENTRA_CODES,
  ],
  ['Entra ID', 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.', 'code', ['code_expired'], ENTRA_CODES],
  [
    'Entra ID',
    'AADSTS700082: The refresh token has expired due to inactivity. The token was issued on 2026-08-01 and was inactive for 90.00:00:00.',
    'refresh',
    ['refresh_token_revoked_or_expired'],
    ENTRA_CODES,
  ],
  [
    'Entra ID',
    'AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
    'refresh',
    ['session_ended'],
    ENTRA_CODES,
  ],
  ['Entra ID', 'AADSTS50132: The session is not valid due to password expiration or recent password change.', 'refresh', ['session_ended'], ENTRA_CODES],
  ['Entra ID', 'AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks by conditional access.', 'refresh', ['session_ended'], ENTRA_CODES],
  ['Entra ID', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.', 'code', ['pkce_mismatch'], ENTRA_CODES],
  ['Entra ID', 'AADSTS500112: The reply address does not match the reply address provided when requesting Authorization code.', 'code', ['redirect_uri_mismatch'], ENTRA_CODES],
  [
    'Keycloak',
    'Code not valid',
    'code',
    ['code_reused', 'code_expired'],
    'https://github.com/keycloak/keycloak/issues/23000; https://github.com/mauriciovigolo/keycloak-angular/issues/464 (server log: code already used)',
  ],
  [
    'Keycloak',
    'Token is not active',
    'refresh',
    ['refresh_token_revoked_or_expired'],
    'https://github.com/keycloak/keycloak/issues/37961; https://github.com/mauriciovigolo/keycloak-angular/issues/564',
  ],
  ['Keycloak', 'Session not active', 'refresh', ['session_ended'], 'https://github.com/fa-fifi/keycloak_wrapper/issues/57 (session killed at the server)'],
  ['Keycloak', 'Offline session not active', 'refresh', ['session_ended'], 'Keycloak TokenManager (offline sessions), as Session not active'],
  ['Keycloak', 'Stale token', 'refresh', ['refresh_token_revoked_or_expired'], 'https://github.com/keycloak/keycloak/issues/37900; https://github.com/fa-fifi/keycloak_wrapper/issues/31'],
  ['Keycloak', 'Stale refresh token', 'refresh', ['refresh_token_revoked_or_expired'], 'https://github.com/marcospereirampj/python-keycloak/issues/53'],
  ['Keycloak', 'Maximum allowed refresh token reuse exceeded', 'refresh', ['refresh_token_reused'], 'Keycloak "Revoke Refresh Token" realm setting (server docs, refresh token reuse)'],
  ['Keycloak', 'Incorrect redirect_uri', 'code', ['redirect_uri_mismatch'], 'https://github.com/marcospereirampj/python-keycloak/issues/207'],
  ['Keycloak', 'PKCE verification failed: Code mismatch', 'code', ['pkce_mismatch'], 'Keycloak PkceUtils (PKCE verification errors)'],
  ['Keycloak', "Invalid refresh token. Token client and authorized client don't match", 'refresh', ['client_mismatch'], 'Keycloak TokenManager (client check on refresh)'],
  [
    'Auth0',
    'Unknown or invalid refresh token.',
    'refresh',
    ['refresh_token_revoked_or_expired'],
    'https://github.com/auth0/nextjs-auth0/issues/498; https://github.com/auth0/Auth0.swift/issues/819 (revoked remotely)',
  ],
  ['Auth0', 'Invalid authorization code', 'code', ['code_reused', 'code_expired'], 'Auth0 authentication API, POST /oauth/token errors'],
  ['Auth0', 'Failed to verify code verifier', 'code', ['pkce_mismatch'], 'Auth0 authentication API, PKCE code exchange errors'],
  ['Okta', 'The refresh token is invalid or expired.', 'refresh', ['refresh_token_revoked_or_expired'], 'https://github.com/okta/okta-react-native/issues/109'],
  ['Okta', 'The authorization code is invalid or has expired.', 'code', ['code_reused', 'code_expired'], 'https://github.com/oktadev/okta-smartfhir-docs/issues/13'],
  ['Okta', 'PKCE verification failed.', 'code', ['pkce_mismatch'], 'Okta /token error responses (Okta developer docs, PKCE)'],
  ['Okta', "The 'redirect_uri' does not match the redirection URI used in the authorization request.", 'code', ['redirect_uri_mismatch'], 'Okta /token error responses (Okta developer docs)'],
  [
    'Google',
    'Token has been expired or revoked.',
    'refresh',
    ['refresh_token_revoked_or_expired'],
    'https://github.com/GeneralTask/task-manager/pull/2169; https://github.com/porjo/youtubeuploader/issues/181',
  ],
  ['Google', 'Bad Request', 'refresh', ['refresh_token_revoked_or_expired'], 'Google token endpoint: no detail, the client facts speak'],
  ['Google', 'Malformed auth code.', 'code', ['code_reused', 'code_expired'], 'Google OAuth 2.0 token endpoint errors'],
  ['Google', 'Invalid code verifier.', 'code', ['pkce_mismatch'], 'Google OAuth 2.0 token endpoint errors (PKCE)'],
  ['Cognito', 'Refresh Token has expired', 'refresh', ['refresh_token_revoked_or_expired'], 'Amazon Cognito InitiateAuth REFRESH_TOKEN_AUTH NotAuthorizedException messages'],
  ['Cognito', 'Invalid Refresh Token', 'refresh', ['refresh_token_revoked_or_expired'], 'https://github.com/aws/aws-sdk-java-v2/issues/1687; https://github.com/aws/aws-sdk-cpp/issues/851'],
  ['Cognito', 'Refresh Token has been revoked', 'refresh', ['refresh_token_revoked_or_expired'], 'https://github.com/aws/aws-sdk-net-extensions-cognito/issues/24'],
  ['Cognito', '', 'refresh', ['refresh_token_revoked_or_expired'], 'https://github.com/aws/aws-sdk-js/issues/3836 (the token endpoint sends bare {"error":"invalid_grant"})'],
  [
    'oidc-provider',
    'grant request is invalid',
    'refresh',
    ['refresh_token_revoked_or_expired'],
    'oidc-provider: every invalid_grant body is generic (TOOLCHAIN.md); the dev provider with the profile "generic invalid_grant text"',
  ],
  ['oidc-provider', 'grant request is invalid', 'code', ['code_reused', 'code_expired'], 'scripts/provider.js, profile "generic invalid_grant text"'],
  ['oidc-provider (dev provider)', 'authorization code is expired', 'code', ['code_expired'], `${DEV}; oidc-provider lib/actions/grants/authorization_code.js`],
  ['oidc-provider (dev provider)', 'authorization code already consumed', 'code', ['code_reused'], `${DEV}; oidc-provider lib/helpers/grant_source.js`],
  ['oidc-provider (dev provider)', 'authorization code redirect_uri mismatch', 'code', ['redirect_uri_mismatch'], `${DEV}; oidc-provider lib/actions/grants/authorization_code.js`],
  ['oidc-provider (dev provider)', 'code_verifier does not match code_challenge', 'code', ['pkce_mismatch'], `${DEV}; oidc-provider lib/helpers/pkce.js`],
  ['oidc-provider (dev provider)', 'client mismatch', 'code', ['client_mismatch'], `${DEV}; oidc-provider lib/helpers/grant_source.js`],
  ['oidc-provider (dev provider)', 'client mismatch', 'refresh', ['client_mismatch'], `${DEV}; oidc-provider lib/actions/grants/refresh_token.js`],
  [
    'oidc-provider (dev provider)',
    'refresh token already used',
    'refresh',
    ['refresh_token_reused'],
    `${DEV}; oidc-provider lib/actions/grants/refresh_token.js (a rotated refresh token presented again; the grant is revoked)`,
  ],
  ['oidc-provider (dev provider)', 'refresh token is expired', 'refresh', ['refresh_token_revoked_or_expired'], `${DEV}; oidc-provider lib/actions/grants/refresh_token.js`],
  ['oidc-provider (dev provider)', 'refresh token not found', 'refresh', ['refresh_token_revoked_or_expired'], `${DEV}; oidc-provider lib/helpers/grant_source.js`],
]

const codeFacts: CodeExchangeFacts = {
  grant: 'authorization_code',
  transactionAgeMs: 2_000,
  codeLifetimeMs: 60_000,
  redirectUriSent: 'https://app/callback',
  redirectUriAuthorized: 'https://app/callback',
  codeVerifier: 'verifier',
  clientIdSent: 'spa',
  clientIdAuthorized: 'spa',
}
const refreshFacts: RefreshFacts = { grant: 'refresh_token', crossTabLock: true }

describe("invalid_grant in the server's own words", () => {
  it.each(TEXTS)('%s: %j (%s) -> %j', (_server, description, grant, expected, source) => {
    expect(source).not.toBe('')
    expect(invalidGrantReasons(grant === 'code' ? codeFacts : refreshFacts, description, serverTexts)).toEqual(expected)
  })

  it("orders the server's possible causes by the client's facts: an old transaction makes an invalid code most likely expired", () => {
    expect(invalidGrantReasons({ ...codeFacts, transactionAgeMs: 120_000 }, 'Code not valid', serverTexts)).toEqual(['code_expired', 'code_reused'])
  })

  it('without Web Locks a generic text leaves reuse possible, and a specific text settles it', () => {
    const unlocked: RefreshFacts = { grant: 'refresh_token', crossTabLock: false }
    expect(invalidGrantReasons(unlocked, 'grant request is invalid', serverTexts)).toEqual(['refresh_token_revoked_or_expired', 'refresh_token_reused'])
    expect(invalidGrantReasons(unlocked, 'Token has been expired or revoked.', serverTexts)).toEqual(['refresh_token_revoked_or_expired'])
  })

  it("a client fact the server's text contradicts gives way to the server: it saw the grant", () => {
    // Our verifier was sent, yet the server says PKCE failed.
    expect(invalidGrantReasons(codeFacts, 'PKCE verification failed.', serverTexts)).toEqual(['pkce_mismatch'])
  })

  it('a refresh token past the lifetime the server announced is lifetime_exceeded even when the text is generic', () => {
    expect(invalidGrantReasons({ ...refreshFacts, lifetimeExceeded: true }, 'grant request is invalid', serverTexts)).toEqual(['refresh_token_lifetime_exceeded'])
  })
})
