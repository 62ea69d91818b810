import { useEffect, useState } from 'react'
import { LoginButton, LogoutButton, useAuth, useGetToken, useToken, type AuthEvent } from 'tabauth'
import { client, issuer, relogin, RELOGIN_KEY } from './auth'
import { Protected } from './Protected'
import { DataView } from './DataView'
import { NoteForm } from './NoteForm'

export function App() {
  const { status, error } = useAuth()
  return (
    <main>
      <h1>tabauth demo</h1>
      <p>
        Status: <strong data-testid="status">{status}</strong>
      </p>
      {error && (
        <p className="error" role="alert" data-testid="error">
          <code>{error.code}</code> {error.reason && <code data-testid="reason">{error.reason}</code>} {error.message}
        </p>
      )}
      {location.pathname === '/protected' ? <Protected /> : status === 'signedIn' ? <Session /> : status !== 'loading' && status !== 'redirecting' && <LoginButton popup />}
      <DataView />
      <NoteForm />
      <ReloginPolicy />
      <Activity />
    </main>
  )
}

/** The `relogin` option is read once, when the client is created: store the choice and reload. */
function ReloginPolicy() {
  return (
    <p>
      <label>
        On session end:{' '}
        <select
          data-testid="relogin-policy"
          value={relogin}
          onChange={(event) => {
            localStorage.setItem(RELOGIN_KEY, event.target.value)
            location.reload()
          }}
        >
          <option value="prompt">show 'Sign in again'</option>
          <option value="redirect">redirect once</option>
        </select>
      </label>
    </p>
  )
}

function Session() {
  const { user } = useAuth()
  const { accessToken, expiresAt } = useToken()
  const now = useNow()
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
    <section>
      <p>
        Signed in as <strong data-testid="user-name">{String(user?.name ?? user?.sub ?? '')}</strong>
      </p>
      <dl>
        <dt>Access token expires</dt>
        <dd data-testid="token-expiry">
          {expiresAt === undefined
            ? '—'
            : `in ${Math.max(0, Math.round((expiresAt - now) / 1000))} s (${new Date(expiresAt).toLocaleTimeString()})`}
        </dd>
        <dt>Access token ends with</dt>
        <dd>
          <code data-testid="token-fingerprint">{accessToken ? accessToken.slice(-6) : '—'}</code>
        </dd>
      </dl>
      <p>
        <button type="button" onClick={callUserinfo}>
          Call userinfo
        </button>{' '}
        <output data-testid="userinfo">{userinfo}</output>
      </p>
      <LogoutButton />
    </section>
  )
}

const DESCRIBE: Partial<Record<AuthEvent['type'], string>> = {
  signedIn: 'signed in here',
  refreshed: 'refreshed here (the one request for all tabs)',
  adopted: 'took the session another tab wrote',
  signedOut: 'signed out',
  reloginRequired: 'the session ended at the server',
  refreshFailed: 'refresh failed, retrying',
}

/** What this tab's client did: open the demo in several tabs to see one refresh per expiry. */
function Activity() {
  const [lines, setLines] = useState<Array<{ id: number; text: string }>>([])
  useEffect(
    () =>
      client.onEvent((event) => {
        const what = DESCRIBE[event.type]
        if (!what) return
        const generation = 'generation' in event ? ` (generation ${event.generation})` : ''
        const text = `${new Date().toLocaleTimeString()} ${what}${generation}`
        setLines((previous) => [{ id: (previous[0]?.id ?? 0) + 1, text }, ...previous].slice(0, 8))
      }),
    [],
  )
  return (
    <section>
      <h2>Activity in this tab</h2>
      <ol data-testid="activity">{lines.length ? lines.map((line) => <li key={line.id}>{line.text}</li>) : <li>nothing yet</li>}</ol>
    </section>
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
