/**
 * The start of a sign-in: the authorization request (PKCE, state, nonce, returnTo remembered for
 * the callback), by a redirect of this tab or in a popup (`tabauth/popup`), and the route guard's
 * login without a click. The other half, the callback, is callback.ts.
 */
import type { Clock, Navigation } from './adapters'
import { toAuthError } from './callback'
import { AuthError, isTransient } from './errors'
import { randomSecrets, type OAuth } from './oauth'
import type { ReloginBreaker } from './relogin'
import type { TransactionStore } from './transaction'
import type { Message } from './machine'
import type { AuthEvent, AuthState, LoginOptions, LoginResult } from './types'
import { safeReturnTo } from './url'

/** The client's clock for the sign-in flows: its timers end with the client's dispose(), which runs `onDispose` instead. */
export interface FlowClock extends Clock {
  setTimeout(fn: () => void, ms: number, onDispose?: () => void): () => void
}

/** What the client gives a popup sign-in (`tabauth/popup`). */
export interface PopupContext {
  clock: FlowClock
  /** The authorization request's URL, its transaction saved in `store`; and the transaction's `state`. */
  authorize(store: TransactionStore): Promise<[url: string, state: string]>
  /** Shows a failed sign-in (status `error`) and returns it as an AuthError. */
  fail(error: unknown): AuthError
  state(): AuthState
  /** Tells the tab's machine what happened (machine.ts): the popup's 'redirecting', and its 'restore'. */
  send(message: Message): void
  emit(event: AuthEvent): void
  onEvent(listener: (event: AuthEvent) => void): () => void
  /** Re-reads the shared store: the session may have arrived just before the popup closed. */
  sync(): Promise<void>
  hasSession(): boolean
}

/** `popup()` from 'tabauth/popup': `createAuthClient({ popup: popup() })`. */
export interface PopupSignIn {
  bind(
    key: string,
    clock: Clock,
  ): {
    /** Popup sign-ins' transactions, in storage the popup window shares with its opener. */
    transactions: TransactionStore
    signIn(ctx: PopupContext): Promise<LoginResult>
  }
}

export interface LoginContext extends Omit<PopupContext, 'authorize' | 'fail'> {
  oauth: OAuth
  navigation: Navigation
  scope: string
  authorizationParams?: Record<string, string>
  redirectUri(): string
  /** The tab's own sign-ins (sessionStorage). */
  transactions: TransactionStore
  popup?: ReturnType<PopupSignIn['bind']>
  /** The loop breaker the automatic re-login uses too: one unasked redirect per tab per window. */
  breaker: ReloginBreaker
}

export function loginFlows(ctx: LoginContext) {
  const { navigation, clock } = ctx

  /** The authorization request's URL and state; its transaction is remembered in `store` for the callback. */
  async function authorize(options: LoginOptions, store: TransactionStore): Promise<[string, string]> {
    const current = new URL(navigation.currentUrl())
    const returnTo = safeReturnTo(options.returnTo ?? current.pathname + current.search + current.hash, current.origin)
    const secrets = randomSecrets()
    const redirectUri = ctx.redirectUri()
    const params = { ...ctx.authorizationParams, ...options.authorizationParams }
    const url = await ctx.oauth.authorizationUrl({ ...secrets, redirectUri, scope: ctx.scope, params })
    // max_age asked: the ID token's auth_time must honour it (OIDC Core 3.1.3.7), checked at the exchange.
    store.save({ ...secrets, redirectUri, returnTo, createdAt: clock.now(), maxAge: params.max_age }, clock.now())
    return [url, secrets.state]
  }

  function failLogin(error: unknown): AuthError {
    let authError = toAuthError(error)
    // Only discovery goes to the network before the redirect, and nothing retries a sign-in: an
    // unreachable issuer here is most often a wrong issuer (a typo, a port), so it says where it looked.
    if (isTransient(authError)) {
      const url = ctx.oauth.issuer
      authError = new AuthError('DISCOVERY_FAILED', `Could not reach the issuer ${url} to start the sign-in (${authError.message}): check issuer; or the server is down.`, {
        status: authError.status,
        cause: authError,
        url,
      })
    }
    ctx.send({ type: 'failed', error: authError })
    return authError
  }

  async function login(options: LoginOptions = {}): Promise<LoginResult> {
    if (options.popup) {
      // Synchronous up to the window's opening: browsers allow a popup only inside the click.
      if (!ctx.popup) throw failLogin(new AuthError('CONFIG', "login({ popup: true }) needs createAuthClient({ popup: popup() }), popup from 'tabauth/popup'."))
      return ctx.popup.signIn({ ...ctx, authorize: (store) => authorize(options, store), fail: failLogin })
    }
    ctx.send({ type: 'redirecting' })
    try {
      navigation.assign((await authorize(options, ctx.transactions))[0])
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
    if (!ctx.breaker.allowed(clock.now())) return ctx.send({ type: 'loginLoop', error: ctx.breaker.loopError() })
    ctx.breaker.record(clock.now())
    await login({ ...options, popup: false })
  }

  return { login, autoLogin }
}
