/**
 * The sign-in callback: the authorization server sent the browser back to the
 * redirect URI with a code (or an error). Consumed exactly once, whatever React
 * or the user does (StrictMode double effects, a reload, Back).
 */
import type { Clock, Navigation } from './adapters'
import { AuthError } from './errors'
import { explainInvalidGrant } from './explain'
import type { OAuth, UserinfoReader } from './oauth'
import { readRecord, writeSession, type SessionContext } from './refresh'
import { emptyRecord, type SessionRecord } from './store'
import type { TransactionStore } from './transaction'
import type { AuthState } from './types'

export interface CallbackContext {
  session: SessionContext
  oauth: OAuth
  transactions: TransactionStore
  /** Sign-ins started by `login({ popup: true })` in another window of this origin (`tabauth/popup`). */
  popupTransactions?: TransactionStore
  navigation: Navigation
  clock: Clock
  clientId: string
  codeLifetimeMs: number
  userinfo?: UserinfoReader
  origin(): string
}

export type CallbackOutcome =
  /** A new session, written to the store as the next generation. */
  | { kind: 'signedIn'; record: SessionRecord; returnTo: string; popup: boolean }
  /** No transaction for this callback (replayed, foreign, expired): the store's session, or signed out with the reason. */
  | { kind: 'ignored'; record: SessionRecord; error?: AuthError }
  /** The sign-in failed; nothing was stored. */
  | { kind: 'failed'; state: Extract<AuthState, { status: 'signedOut' | 'error' }>; error: AuthError }

export async function finishSignIn(ctx: CallbackContext, callback: URL): Promise<CallbackOutcome> {
  let tx
  const state = callback.searchParams.get('state')
  const popup = ctx.popupTransactions?.has(state) === true
  try {
    // Consumed synchronously, before any request: a second start (StrictMode, reload, Back) finds nothing.
    tx = (popup ? ctx.popupTransactions! : ctx.transactions).take(state, ctx.clock.now())
  } catch (error) {
    ctx.navigation.replace(`${ctx.origin()}/`)
    // A replayed callback with a live session is harmless: stay signed in, say nothing.
    const latest = await readRecord(ctx.session).catch(() => emptyRecord)
    return { kind: 'ignored', record: latest, error: latest.session ? undefined : (error as AuthError) }
  }
  // The code leaves the address bar (and history) before it is used.
  ctx.navigation.replace(new URL(tx.returnTo, ctx.origin()).href)
  try {
    const { tokens, claims } = await ctx.oauth.exchangeCode(callback, tx)
    // Plain OAuth 2.0 has no ID token: no user, unless the app asked for userinfo.
    const user = claims ?? (await ctx.userinfo?.(ctx.oauth, tokens.accessToken))
    const { record } = await writeSession(ctx.session, () => ({ session: { tokens, user } }))
    return { kind: 'signedIn', record, returnTo: tx.returnTo, popup }
  } catch (error) {
    let authError = toAuthError(error)
    if (authError.code === 'INVALID_GRANT') {
      authError = explainInvalidGrant(
        authError,
        {
          grant: 'authorization_code',
          transactionAgeMs: ctx.clock.now() - tx.createdAt,
          codeLifetimeMs: ctx.codeLifetimeMs,
          redirectUriSent: tx.redirectUri,
          redirectUriAuthorized: tx.redirectUri,
          codeVerifier: tx.codeVerifier,
          clientIdSent: ctx.clientId,
          clientIdAuthorized: ctx.clientId, // transactions are stored per client
        },
        ctx.session.serverTexts,
      )
    }
    // The user said no, or the server could not sign them in: signed out, with the reason. Nothing retries.
    const status = authError.code === 'AUTHORIZATION_ERROR' ? 'signedOut' : 'error'
    return { kind: 'failed', state: { status, error: authError }, error: authError }
  }
}

export function toAuthError(error: unknown): AuthError {
  return error instanceof AuthError ? error : new AuthError('INVALID_RESPONSE', String(error), { cause: error })
}
