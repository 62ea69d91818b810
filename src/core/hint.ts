import type { SessionStore } from './store'
import type { AuthState } from './types'

export type SignedIn = Extract<AuthState, { status: 'signedIn' }>

/**
 * `firstRenderHint()` from 'tabauth/hint': `createAuthClient({ hint: firstRenderHint() })`. Only its
 * type is here: an app that starts its new tabs at 'loading' (the default) ships none of it.
 */
export interface FirstRenderHint {
  /** Called once per client with its issuer and client id. */
  bind(key: string): {
    /** The session store, whose writes also keep (or remove) the hint. */
    wrap(store: SessionStore): SessionStore
    /** The signed-in snapshot the hint gives (without an access token), while its expiry is ahead. */
    read(now: number): SignedIn | undefined
  }
}
