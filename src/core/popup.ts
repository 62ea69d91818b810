/**
 * Sign-in in a popup: the opener never navigates. The popup's callback writes the
 * session to the shared store and closes itself; the opener learns of the session
 * the way every tab does (store and channel), never through `window.opener`, so a
 * server that cuts the popup off with Cross-Origin-Opener-Policy changes nothing.
 */
import type { Clock, PopupWindow } from './adapters'
import { TRANSACTION_LIFETIME_MS } from './transaction'
import type { AuthEvent, LoginResult } from './types'

/** How often the opener looks at `popup.closed`. */
const POLL_MS = 500

export interface PopupWatch {
  clock: Clock
  onEvent(listener: (event: AuthEvent) => void): () => void
  /** Re-reads the shared store: the session may have arrived just before the popup closed. */
  sync(): Promise<void>
  hasSession(): boolean
}

/**
 * Resolves 'signedIn' when a session arrives, 'closed' when the popup is gone without one,
 * 'timedOut' after the sign-in's lifetime (the opener cannot always see the popup close).
 */
export function watchPopup(popup: PopupWindow, watch: PopupWatch): Promise<LoginResult> {
  return new Promise((resolve) => {
    const stopEvents = watch.onEvent((event) => {
      if (event.type === 'signedIn' || event.type === 'adopted') finish('signedIn')
    })
    let cancelPoll = watch.clock.setTimeout(poll, POLL_MS)
    const cancelTimeout = watch.clock.setTimeout(() => {
      popup.close()
      finish('timedOut')
    }, TRANSACTION_LIFETIME_MS)
    let finished = false

    function poll() {
      if (!popup.closed) return void (cancelPoll = watch.clock.setTimeout(poll, POLL_MS))
      void watch.sync().then(() => finish(watch.hasSession() ? 'signedIn' : 'closed'))
    }
    function finish(result: LoginResult) {
      if (finished) return
      finished = true
      stopEvents()
      cancelPoll()
      cancelTimeout()
      resolve(result)
    }
  })
}
