import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react'
import { LoginButton, LogoutButton, useAuth, useGetToken, useToken } from 'tabauth'
import { client, issuer } from './auth'
import { markSignOutHere, thisTab } from './timeline'

/** This tab's session: status, user, token generation and expiry (live; none during an outage), and what the user can do next (or `children` instead). */
export function SessionPanel({ children }: { children?: ReactNode }) {
  const { status, error } = useAuth()
  return (
    <section className="panel session" aria-labelledby="session-title" data-status={status}>
      <h2 id="session-title">This tab ({thisTab})</h2>
      <p>
        Status:{' '}
        <strong className="status" data-testid="status">
          {status}
        </strong>
      </p>
      {error && (
        <p className="error" role="alert" data-testid="error">
          <code>{error.code}</code> {error.reason && <code data-testid="reason">{error.reason}</code>} {error.message}
        </p>
      )}
      {/* An outage keeps the session (and "Sign out"): it returns to signedIn by itself. */}
      {children ?? (status === 'signedIn' || status === 'outage' ? <Session /> : status !== 'loading' && status !== 'redirecting' && <LoginButton popup className="primary" />)}
    </section>
  )
}

function Session() {
  const { user } = useAuth()
  const { accessToken, expiresAt } = useToken()
  // The generation lives in the client's snapshot; the hooks leave it out.
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot)
  const now = useNow()
  return (
    <>
      <dl className="facts">
        <dt>User</dt>
        <dd>
          <strong data-testid="user-name">{String(user?.name ?? user?.sub ?? '')}</strong>
        </dd>
        <dt>Token generation</dt>
        <dd data-testid="generation">{state.status === 'signedIn' ? state.generation : '—'}</dd>
        <dt>Expires</dt>
        <dd data-testid="token-expiry">{expiresAt === undefined ? '—' : `in ${Math.max(0, Math.round((expiresAt - now) / 1000))} s (${new Date(expiresAt).toLocaleTimeString()})`}</dd>
        <dt>Token ends with</dt>
        <dd>
          <code data-testid="token-fingerprint">{accessToken ? accessToken.slice(-6) : '—'}</code>
        </dd>
      </dl>
      <div className="actions">
        <Userinfo />
        <LogoutButton onClickCapture={markSignOutHere} />
      </div>
    </>
  )
}

function Userinfo() {
  const getToken = useGetToken()
  const [userinfo, setUserinfo] = useState<string>()
  async function callUserinfo() {
    setUserinfo('…')
    try {
      // getToken() hands out a fresh access token, refreshing it first when it is stale.
      const token = await getToken()
      const response = await fetch(await userinfoEndpoint(), { headers: { Authorization: `Bearer ${token}` } })
      if (!response.ok) throw new Error(`userinfo answered ${response.status}`)
      const claims: { name?: string; sub: string } = await response.json()
      setUserinfo(claims.name ?? claims.sub)
    } catch (error) {
      setUserinfo(`Error: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return (
    <span>
      <button type="button" onClick={callUserinfo}>
        Call userinfo
      </button>{' '}
      <output data-testid="userinfo">{userinfo}</output>
    </span>
  )
}

/** The current time, updated every second. */
function useNow(): number {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  return now
}

let userinfoEndpointPromise: Promise<string> | undefined

/** The provider's userinfo endpoint, from its discovery document. */
function userinfoEndpoint(): Promise<string> {
  userinfoEndpointPromise ??= fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
    .then((response) => response.json())
    .then((metadata: { userinfo_endpoint?: string }) => {
      if (!metadata.userinfo_endpoint) throw new Error('the provider has no userinfo endpoint')
      return metadata.userinfo_endpoint
    })
  userinfoEndpointPromise.catch(() => (userinfoEndpointPromise = undefined))
  return userinfoEndpointPromise
}
