/**
 * The session flows that read and write the shared record: start (the store, or the sign-in
 * callback), sync with other tabs, and logout. Each awaits its I/O, then sends one message; the
 * machine (machine.ts) decides what the tab shows. Getting a token is access.ts.
 */
import { finishSignIn, toAuthError } from './callback'
import { AuthError } from './errors'
import { logoutAtServer } from './logout'
import { readRecord, readSettledRecord, repairStore, scheduledError, writeSession } from './refresh'
import type { Runtime } from './runtime'
import { emptyRecord, parseRecord } from './store'
import type { LogoutOptions, LogoutResult } from './types'
import { isCallback } from './url'

export function sessionFlows(rt: Runtime, whilePending: <T>(work: Promise<T>, ownRefresh: boolean) => Promise<T>) {
  const { c } = rt
  let syncing: Promise<void> | undefined

  /** Reads the session, or finishes the sign-in callback this page is. */
  async function load(): Promise<void> {
    let current: URL
    try {
      current = new URL(c.navigation.currentUrl())
    } catch {
      return rt.send({ type: 'noPage' }) // no page (server-side render)
    }
    if (isCallback(current, new URL(c.redirectUri()))) {
      return rt.send({ type: 'callbackDone', outcome: await finishSignIn(c.callback, current) })
    }
    const raw = await c.session.store.get(c.key).catch(() => undefined)
    const parsed = parseRecord(raw)
    if (raw !== undefined && !parsed) await repairStore(c.session).catch(() => {})
    rt.send({ type: 'loaded', record: parsed ?? emptyRecord })
  }

  /** Re-reads the store and adopts a newer generation (another tab wrote it). */
  function sync(): Promise<void> {
    syncing ??= readRecord(c.session)
      .then((record) => rt.send({ type: 'recordRead', record }))
      .catch(() => {}) // the store is unreadable right now; the next read retries
      .finally(() => (syncing = undefined))
    return syncing
  }

  /**
   * A hidden tab at expiry, or any tab told of another's failed refresh: the record once any
   * refresh in flight (in any tab) has ended. Adopts what another tab wrote, or shows the outage
   * another tab met. Sends no request.
   */
  async function settle(): Promise<void> {
    let record
    try {
      record = await whilePending(readSettledRecord(c.session), false)
    } catch (error) {
      // The lock holder is still busy (frozen, or a slow server): go on waiting, showing REFRESH_PENDING.
      if (error instanceof AuthError && error.code === 'TIMEOUT' && rt.model().record.session) {
        rt.live()
        return settle()
      }
      record = rt.model().record
    }
    rt.send({ type: 'settledRead', record, scheduled: record.retry && scheduledError(record.retry) })
  }

  async function logout(options: LogoutOptions = {}): Promise<LogoutResult> {
    const { previous, record } = await writeSession(c.session, () => ({ session: null, ended: 'signedOut' }))
    rt.send({ type: 'signedOut', record })
    // The local session is gone either way; what the server did is reported, never a reason to stay signed in.
    const postLogoutRedirectUri = c.config.postLogoutRedirectUri ?? `${c.origin()}/`
    const { result, endSessionUrl } = await logoutAtServer(c.oauth, previous.session?.tokens, { localOnly: options.localOnly, postLogoutRedirectUri })
    rt.send({ type: 'loggedOut', result, endSessionUrl })
    return result
  }

  return { load, sync, settle, logout, startFailed: (error: unknown) => rt.send({ type: 'startFailed', error: toAuthError(error) }) }
}
