/**
 * `tabauth/relogin`: what the tabs do when the session ends at the server (`reloginRequired`), beyond
 * showing it: `createAuthClient({ relogin: relogin({ redirect: true, waitMs: 30_000 }) })`.
 * - `redirect`: exactly one visible tab goes back to the server by itself, at most once per
 *   `reloginWindowSeconds` per tab, and every tab adopts the session it brings.
 * - `waitMs`: a `getAccessToken()` that finds no session waits this long for another tab's re-login
 *   (automatic, or the user's click) before it rejects with `LOGIN_REQUIRED`.
 * Without it (the default, 'prompt') the app shows `reloginRequired`, the user clicks "Sign in again",
 * and callers are rejected at once. An entry of its own: an app that prompts ships none of it.
 */
import type { AuthError } from '../core/errors'
import { readRecord, withSessionLock, type SessionContext } from '../core/refresh'
import type { Relogin, ReloginContext } from '../core/relogin'

export type { Relogin, ReloginContext, ReloginHandler } from '../core/relogin'

export interface ReloginOptions {
  /** Send exactly one visible tab to the server by itself. Default false: the prompt only. */
  redirect?: boolean
  /** How long `getAccessToken()` waits for a new session before it rejects. Default 0. */
  waitMs?: number
}

export function relogin(options: ReloginOptions = {}): Relogin {
  return {
    bind: (ctx) => ({
      required: () => void (options.redirect && redirect(ctx)),
      wait: (error) => waitForSession(ctx, error, options.waitMs ?? 0),
    }),
  }
}

async function redirect(ctx: ReloginContext): Promise<void> {
  const { lifecycle, breaker, session } = ctx.setup
  if (!lifecycle.isVisible()) return
  try {
    if (!breaker.allowed(session.now())) return ctx.send({ type: 'reloginLoop', error: breaker.loopError() })
    if (!(await claim(session, breaker.windowMs))) return // another tab took it on; this one adopts the result
    breaker.record(session.now())
    await ctx.login()
  } catch {
    // Could not claim or reach the server: the prompt stays, nothing loops.
  }
}

/**
 * Takes the automatic re-login on for every tab: true for exactly one caller while the session is
 * waiting for a re-login (again after `windowMs`). The claim's time is kept in the record, which
 * carries it over every write: a grant that keeps dying can't loop through the tabs.
 */
async function claim(ctx: SessionContext, windowMs: number): Promise<boolean> {
  return withSessionLock(ctx, async () => {
    const record = await readRecord(ctx)
    if (record.session || record.ended !== 'reloginRequired') return false
    if (record.reloginClaimedAt !== undefined && ctx.now() - record.reloginClaimedAt < windowMs) return false
    // Same generation: a claim is bookkeeping, not a new session for the other tabs to adopt.
    await ctx.store.set(ctx.key, { ...record, reloginClaimedAt: ctx.now() })
    return true
  })
}

/** Resolves with the new session's token when another tab's re-login brings one; rejects with `error` after `waitMs`. */
function waitForSession(ctx: ReloginContext, error: AuthError, waitMs: number): Promise<string> {
  if (waitMs <= 0) return Promise.reject(error)
  return new Promise((resolve, reject) => {
    const stop = ctx.onEvent((event) => {
      const token = ctx.model().record.session?.tokens.accessToken
      if ((event.type === 'adopted' || event.type === 'signedIn') && token) settle(() => resolve(token))
    })
    const cancel = ctx.after(
      waitMs,
      () => settle(() => reject(error)),
      () => settle(() => reject(ctx.disposed())),
    )
    function settle(end: () => void) {
      stop()
      cancel()
      end()
    }
  })
}
