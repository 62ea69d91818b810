/**
 * Sign-in in a popup: the opener never navigates. The popup's callback writes the
 * session to the shared store and closes itself; the opener learns of the session
 * the way every tab does (store and channel), never through `window.opener`, so a
 * server that cuts the popup off with Cross-Origin-Opener-Policy changes nothing.
 */
import type { PopupWindow } from '../core/adapters'
import { AuthError } from '../core/errors'
import { TRANSACTION_LIFETIME_MS } from '../core/transaction'
import type { PopupContext } from '../core/login'
import type { LoginResult } from '../core/types'

/** How often the opener looks at `popup.closed`. */
const POLL_MS = 500

type PopupWatch = Pick<PopupContext, 'clock' | 'onEvent' | 'sync' | 'hasSession'>

/**
 * Resolves 'signedIn' when a session arrives, 'closed' when the popup is gone without one,
 * 'timedOut' after the sign-in's lifetime (the opener cannot always see the popup close).
 * Rejects with DISPOSED when the client is disposed first; the popup stays, and a sign-in
 * finished there still reaches the store, where the app's next client finds it.
 */
export function watchPopup(popup: PopupWindow, watch: PopupWatch): Promise<LoginResult> {
  return new Promise((resolve, reject) => {
    const stopEvents = watch.onEvent((event) => {
      if (event.type === 'signedIn' || event.type === 'adopted') finish('signedIn')
    })
    let cancelPoll = watch.clock.setTimeout(poll, POLL_MS)
    const cancelTimeout = watch.clock.setTimeout(
      () => {
        popup.close()
        finish('timedOut')
      },
      TRANSACTION_LIFETIME_MS,
      () => finish(new AuthError('DISPOSED', 'The client was disposed while its popup sign-in was open.')),
    )
    let finished = false

    function poll() {
      if (!popup.closed) return void (cancelPoll = watch.clock.setTimeout(poll, POLL_MS))
      void watch.sync().then(() => finish(watch.hasSession() ? 'signedIn' : 'closed'))
    }
    function finish(result: LoginResult | AuthError) {
      if (finished) return
      finished = true
      stopEvents()
      cancelPoll()
      cancelTimeout()
      if (result instanceof AuthError) reject(result)
      else resolve(result)
    }
  })
}
