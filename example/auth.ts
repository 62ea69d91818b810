import { createAuthClient } from 'tabauth'
import { dpop } from 'tabauth/dpop'
import { popup } from 'tabauth/popup'
import { firstRenderHint } from 'tabauth/hint'
import { relogin as reloginPolicy } from 'tabauth/relogin'
import { fetchJson } from 'tabauth/query'
import { serverClock } from 'tabauth/server-clock'
import { serverTexts } from 'tabauth/server-texts'

/**
 * Another server to try the demo against: localStorage `tabauth-demo:server` = { issuer, scope?,
 * metadata?, codeLifetimeSeconds?, serverClock?: false }, read once at start. Only in the demo's development build and the test rig's build
 * (VITE_SERVER_SWITCH=1): one injected script could otherwise repoint the token endpoint for good.
 * Don't copy it into an app: an app's issuer belongs in its build.
 */
const serverSwitch = import.meta.env.DEV || import.meta.env.VITE_SERVER_SWITCH === '1'
const server: { issuer?: string; scope?: string; metadata?: Record<string, string>; codeLifetimeSeconds?: number; serverClock?: false } = serverSwitch
  ? JSON.parse(localStorage.getItem('tabauth-demo:server') ?? '{}')
  : {}

/** The OpenID provider. `npm start` runs the bundled dev provider on 127.0.0.1:9000. */
export const issuer: string = server.issuer || import.meta.env.VITE_ISSUER || 'http://127.0.0.1:9000'

/** What happens when the session ends at the server: chosen in the demo's UI, kept in localStorage. */
export const RELOGIN_KEY = 'tabauth-demo:relogin'
export const relogin: 'prompt' | 'redirect' = localStorage.getItem(RELOGIN_KEY) === 'redirect' ? 'redirect' : 'prompt'

/** DPoP on (`localStorage['tabauth-demo:dpop'] = '1'`): the provider's DPoP client, which requires bound tokens and nonces. */
export const DPOP_KEY = 'tabauth-demo:dpop'
export const dpopOn = localStorage.getItem(DPOP_KEY) === '1'

// One client for the whole app; every open tab of the app shares its session.
export const client = createAuthClient({
  issuer,
  clientId: dpopOn ? 'tabauth-example-dpop' : 'tabauth-example',
  dpop: dpopOn ? dpop() : undefined,
  scope: server.scope ?? 'openid profile email offline_access',
  metadata: server.metadata,
  codeLifetimeSeconds: server.codeLifetimeSeconds,
  // 'prompt' (the default) shows "Sign in again"; relogin({ redirect: true }) sends one tab to the server, at most once a minute.
  relogin: relogin === 'redirect' ? reloginPolicy({ redirect: true }) : 'prompt',
  // The access token goes only to the servers named here: the notes API the dev provider serves, and
  // its userinfo endpoint (a resource too: the DPoP tests call it with client.fetch).
  resourceServers: [`${issuer.replace(/\/$/, '')}/notes`, `${issuer.replace(/\/$/, '')}/me`],
  // A new tab renders signedIn in its first frame (the user's display claims in localStorage, never a token).
  hint: firstRenderHint(),
  // The server's time from each token response: a device clock hours off still signs in.
  serverClock: server.serverClock === false ? undefined : serverClock(),
  // "Sign in again" in a popup (SessionPanel's <LoginButton popup />): the page keeps its state.
  popup: popup(),
  // The server's own words (Entra ID, Keycloak, Auth0, ...) narrow the reason of an invalid_grant.
  serverTexts,
  // redirectUri defaults to `${location.origin}/callback`, postLogoutRedirectUri to `${location.origin}/`
})

// Exposed for debugging in the console and for the end-to-end tests.
declare global {
  interface Window {
    tabauth: typeof client
    fetchJson: (input: string, init?: RequestInit) => Promise<unknown>
  }
}
window.tabauth = client
window.fetchJson = (input, init) => fetchJson(client, input, init)
