import { useEffect, useState } from 'react'
import { tokenCounts, type TokenCounts } from './devProvider'

const POLL_MS = 5000

/** The provider's own count of token requests, re-read on every timeline entry or action (`refreshKey`) and every few seconds. */
export function TokenRequests({ refreshKey }: { refreshKey: string }) {
  const [counts, setCounts] = useState<TokenCounts>()
  const [failure, setFailure] = useState<string>()
  useEffect(() => {
    let current = true
    const read = () =>
      tokenCounts().then(
        (c) => current && (setCounts(c), setFailure(undefined)),
        (error: Error) => current && setFailure(error.message),
      )
    void read()
    // Requests by other browsers have no timeline entry here: a slow poll catches them (visible tabs only).
    const timer = setInterval(() => document.visibilityState === 'visible' && void read(), POLL_MS)
    return () => {
      current = false
      clearInterval(timer)
    }
  }, [refreshKey])
  const refresh = counts?.token.refresh_token
  const code = counts?.token.authorization_code
  return (
    <section className="panel requests" aria-labelledby="requests-title">
      <h2 id="requests-title">Token requests at the provider</h2>
      {failure ? (
        <p className="error">Counts unavailable: {failure}</p>
      ) : (
        <dl className="counts" data-testid="token-requests">
          <div>
            <dt>refreshes</dt>
            <dd data-testid="refresh-count">{refresh ? refresh.success + refresh.error : '…'}</dd>
          </div>
          <div>
            <dt>sign-ins</dt>
            <dd>{code ? code.success + code.error : '…'}</dd>
          </div>
          <div>
            <dt>errors</dt>
            <dd>{refresh && code ? refresh.error + code.error : '…'}</dd>
          </div>
        </dl>
      )}
      <p className="hint">
        Counted by the provider itself (<code>/__test/counts</code>), for every tab and browser; a sign-in is a code exchange.
      </p>
    </section>
  )
}
