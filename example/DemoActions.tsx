import { useQueryClient } from '@tanstack/react-query'
import { useState, useSyncExternalStore } from 'react'
import { client } from './auth'
import { expireAccessToken, revokeSession } from './devProvider'

/** What a visitor can do to the session: another tab, a dead access token, a dead grant. */
export function DemoActions({ onDone }: { onDone: () => void }) {
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot)
  const queryClient = useQueryClient()
  const [said, setSaid] = useState('')
  const signedIn = state.status === 'signedIn'
  // Without OpenID Connect there is no user (no `sub`) whose grants to revoke. An outage keeps the session: its grant can be revoked too.
  const sub = signedIn || state.status === 'outage' ? state.user?.sub : undefined

  async function run(action: () => Promise<string>) {
    try {
      setSaid(await action())
    } catch (error) {
      setSaid(`Could not: ${error instanceof Error ? error.message : String(error)}`)
    }
    // The notes call meets what the provider now says about the token.
    await queryClient.invalidateQueries({ queryKey: ['notes'] })
    onDone()
  }

  return (
    <section className="panel try" aria-labelledby="actions-title">
      <h2 id="actions-title">Try it</h2>
      <div className="actions">
        <button type="button" onClick={() => window.open('/', '_blank', 'noopener')}>
          Open another tab
        </button>
        <button
          type="button"
          disabled={!signedIn}
          onClick={() =>
            signedIn &&
            run(async () =>
              (await expireAccessToken(await client.getAccessToken())).expired
                ? 'The provider ended this access token. The notes call gets 401 invalid_token: one refresh, and every tab takes the new token.'
                : 'The provider no longer knew this access token.',
            )
          }
        >
          Expire the token now
        </button>
        <button
          type="button"
          className="danger"
          disabled={!sub}
          onClick={() =>
            sub &&
            run(async () => {
              await revokeSession(sub)
              return 'The provider revoked the session. The next refresh meets invalid_grant: every tab asks to sign in again, once.'
            })
          }
        >
          Revoke the session at the provider
        </button>
      </div>
      <p className="hint" aria-live="polite" data-testid="action-result">
        {said || 'Open a second tab, then expire the token: one refresh serves both.'}
      </p>
    </section>
  )
}
