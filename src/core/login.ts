/**
 * The start of a sign-in: the authorization request (PKCE, state, nonce, returnTo remembered for
 * the callback), by a redirect of this tab or in a popup, and the route guard's login without a
 * click. The other half, the callback, is callback.ts.
 */
import type { Clock, Navigation } from './adapters'
import { toAuthError } from './callback'
import type { AuthError } from './errors'
import type { Message } from './machine'
import { OAuth } from './oauth'
import { watchPopup, type PopupWatch } from './popup'
import type { ReloginBreaker } from './relogin'
import type { TransactionStore } from './transaction'
import type { AuthState, LoginOptions, LoginResult } from './types'
import { safeReturnTo } from './url'

export interface LoginContext extends Omit<PopupWatch, 'clock'> {
  oauth: OAuth
  navigation: Navigation
  clock: Clock
  scope: string
  authorizationParams?: Record<string, string>
  redirectUri(): string
  /** The tab's own sign-ins (sessionStorage) and popup sign-ins (shared with the popup). */
  transactions: TransactionStore
  popupTransactions: TransactionStore
  /** The loop breaker the automatic re-login uses too: one unasked redirect per tab per window. */
  breaker: ReloginBreaker
  state(): AuthState
  /** Tells the machine what happened (machine.ts); the sign-in never sets the snapshot itself. */
  send(message: Message): void
}

export function loginFlows(ctx: LoginContext) {
  const { navigation, clock } = ctx

  /** The authorization request's URL; its transaction is remembered in `store` for the callback. */
  async function authorize(options: LoginOptions, store: TransactionStore): Promise<string> {
    const current = new URL(navigation.currentUrl())
    const returnTo = safeReturnTo(options.returnTo ?? current.pathname + current.search + current.hash, current.origin)
    const secrets = OAuth.randomSecrets()
    const redirectUri = ctx.redirectUri()
    const url = await ctx.oauth.authorizationUrl({
      ...secrets,
      redirectUri,
      scope: ctx.scope,
      params: { ...ctx.authorizationParams, ...options.authorizationParams },
    })
    store.save({ ...secrets, redirectUri, returnTo, createdAt: clock.now() }, clock.now())
    return url
  }

  function failLogin(error: unknown): AuthError {
    const authError = toAuthError(error)
    ctx.send({ type: 'signInFailed', error: authError })
    return authError
  }

  async function login(options: LoginOptions = {}): Promise<LoginResult> {
    if (options.popup) return loginInPopup(options)
    ctx.send({ type: 'redirecting' })
    try {
      navigation.assign(await authorize(options, ctx.transactions))
      return 'redirected'
    } catch (error) {
      throw failLogin(error)
    }
  }

  /** login() without a click (a route guard): at most once per tab per window, like the automatic re-login. */
  async function autoLogin(options?: Omit<LoginOptions, 'popup'>) {
    const state = ctx.state()
    // A failed sign-in, an error or reloginRequired is shown, never redirected; 'redirecting' is StrictMode's second effect.
    if (state.status !== 'signedOut' || state.error) return
    if (!ctx.breaker.allowed(clock.now())) return ctx.send({ type: 'autoLoginLoop', error: ctx.breaker.loopError() })
    ctx.breaker.record(clock.now())
    await login({ ...options, popup: false })
  }

  async function loginInPopup(options: LoginOptions): Promise<LoginResult> {
    // Opened before any await: browsers allow a popup only inside the click that asked for it.
    const popup = navigation.openPopup?.() ?? null
    if (!popup) {
      ctx.send({ type: 'popupBlocked' })
      return 'blocked'
    }
    const before = ctx.state()
    ctx.send({ type: 'redirecting' })
    try {
      popup.navigate(await authorize(options, ctx.popupTransactions))
    } catch (error) {
      popup.close()
      throw failLogin(error)
    }
    const result = await watchPopup(popup, ctx)
    // Nothing arrived: back to what the page showed.
    if (result !== 'signedIn') ctx.send({ type: 'popupClosed', before, timedOut: result === 'timedOut' })
    return result
  }

  return { login, autoLogin }
}
