/**
 * `tabauth/popup`: sign-in in a popup window, `createAuthClient({ popup: popup() })` and then
 * `login({ popup: true })` (or `<LoginButton popup />`). An entry of its own, so that an app that
 * signs in by redirect ships none of it.
 */
import { webStorage, type KeyValueStorage, type PopupWindow } from '../core/adapters'
import type { PopupContext, PopupSignIn } from '../core/login'
import { TRANSACTION_LIFETIME_MS, transactionStore, type TransactionStore } from '../core/transaction'
import type { LoginResult } from '../core/types'
import { watchPopup } from './watch'

export type { PopupContext, PopupSignIn } from '../core/login'
export type { PopupWindow } from '../core/adapters'

export interface PopupOptions {
  /**
   * Where a popup sign-in's transaction (state, nonce, PKCE verifier) waits for the popup's
   * callback, which cannot read the opener's sessionStorage. Default localStorage.
   */
  storage?: KeyValueStorage
  /** Opens the empty popup window, or null when the browser blocked it. Default `window.open`, without an opener. Tests pass fakes. */
  open?: () => PopupWindow | null
}

export function popup(options: PopupOptions = {}): PopupSignIn {
  return {
    bind(key, clock) {
      const transactions = transactionStore(options.storage ?? webStorage('localStorage'), `tabauth:popup-tx:${key}`)
      // A sign-in whose popup and opener both went away (reload, crash) left its transaction behind.
      forget(transactions, null, clock.now())
      return { transactions, signIn: (ctx) => signIn(ctx, transactions, options.open ?? openWindow) }
    },
  }
}

async function signIn(ctx: PopupContext, transactions: TransactionStore, open: () => PopupWindow | null): Promise<LoginResult> {
  // Opened before any await: browsers allow a popup only inside the click that asked for it.
  const popup = open()
  if (!popup) {
    ctx.emit({ type: 'popupBlocked' })
    return 'blocked'
  }
  const before = ctx.state()
  ctx.send({ type: 'redirecting' })
  let state: string
  try {
    const [url, txState] = await ctx.authorize(transactions)
    state = txState
    popup.navigate(url)
  } catch (error) {
    popup.close()
    throw ctx.fail(error)
  }
  const result = await watchPopup(popup, ctx)
  if (result === 'timedOut') forget(transactions, state, ctx.clock.now())
  // 'closed' may be a server's COOP header cutting the handle off while the user still signs in
  // there: the popup's callback needs the transaction for the rest of its lifetime, then it goes.
  if (result === 'closed') ctx.clock.setTimeout(() => forget(transactions, state, ctx.clock.now()), TRANSACTION_LIFETIME_MS)
  if (result !== 'signedIn') {
    ctx.send({ type: 'restore', state: before }) // nothing arrived: back to what the page showed, if it still says redirecting
    ctx.emit({ type: 'popupClosed', timedOut: result === 'timedOut' })
  }
  return result
}

/**
 * Removes `state`'s transaction, if it is still there, and every expired one: `take()` does both
 * (it throws when there is none to return, which is fine here).
 */
function forget(transactions: TransactionStore, state: string | null, now: number) {
  try {
    transactions.take(state, now)
  } catch {
    // nothing pending for `state`
  }
}

function openWindow(): PopupWindow | null {
  // Opened empty and at once, inside the click that asked: popup blockers allow only that.
  const popup = globalThis.open('', 'tabauth-sign-in', 'popup,width=480,height=640')
  if (!popup) return null
  // No opener, set before it navigates: a page the popup reaches (a social sign-in, a help page)
  // cannot navigate the app's tab. tabauth never uses it: the session comes through the store.
  popup.opener = null
  return {
    get closed() {
      return popup.closed
    },
    navigate: (url) => popup.location.assign(url),
    close: () => popup.close(),
  }
}
