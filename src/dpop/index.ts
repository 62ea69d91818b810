/**
 * `tabauth/dpop`: DPoP (RFC 9449) for `createAuthClient({ dpop: dpop() })`. An entry of its own so
 * that an app without DPoP ships none of its code (oauth4webapi's proof signing included).
 * @see https://www.rfc-editor.org/rfc/rfc9449
 */
import * as oauth from 'oauth4webapi'
import type { DPoP, DPoPBinding } from '../core/oauth'
import { isLoopback } from '../core/url'
import { defaultDPoPStore, isSafeKeyPair, type DPoPStore } from './store'

export { memoryDPoPStore } from './store'
export type { DPoPStore, MemoryDPoPOptions } from './store'
export type { DPoP } from '../core/oauth'

export interface DPoPOptions {
  /** Where the key pair and nonces live. Default IndexedDB; `memoryDPoPStore()` keeps the key in the open tabs' memory. */
  store?: DPoPStore
}

/** Tokens bound to a non-extractable key shared by every tab; the server must support DPoP. */
export function dpop(options: DPoPOptions = {}): DPoP {
  return { bind: (key) => bind(options.store ?? defaultDPoPStore(key)) }
}

function bind(store: DPoPStore): DPoPBinding {
  /**
   * The key to sign with: a new one for a sign-in (`bound` null), else the store's, checked: one a script
   * planted (extractable, another algorithm) is refused and a new one made in its place. A key that is safe
   * but not the session's (`bound`) is still used: the server refuses it and the user signs in again.
   */
  async function keyFor(bound: string | null | undefined): Promise<CryptoKeyPair> {
    if (bound === null) return store.newKeyPair()
    const keys = await store.keyPair(bound)
    return (await isSafeKeyPair(keys)) ? keys : store.newKeyPair()
  }

  /** Every tab signs its next proof with the server's latest nonce. */
  async function keepNonce(url: string, response: Response) {
    const nonce = response.headers.get('dpop-nonce')
    if (nonce) await store.saveNonce(new URL(url).origin, nonce).catch(() => {})
  }

  /**
   * Runs `request` with a fresh DPoP handle carrying the nonce every tab last saw;
   * a `use_dpop_nonce` answer is retried once, with the nonce it brought (and the same key).
   * Resolves to the result and the thumbprint of the key that signed.
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
   */
  async function withProof<T>(client: oauth.Client, url: URL, request: (options: { DPoP: oauth.DPoPHandle }) => Promise<T>, bound?: string | null): Promise<[T, string]> {
    const keyPair = await keyFor(bound)
    for (let attempt = 1; ; attempt++) {
      const nonce = await store.nonce(url.origin)
      // Made per request: the handle takes the server clock offset when it is created.
      const DPoP = oauth.DPoP(client, keyPair, { [oauth.modifyAssertion]: (_, payload) => void (payload.nonce ??= nonce) })
      try {
        return [await request({ DPoP }), await DPoP.calculateThumbprint()]
      } catch (cause) {
        if (attempt > 1 || !oauth.isDPoPNonceError(cause)) throw cause
      }
    }
  }

  return {
    keepNonce,
    withProof,
    // Never rejects: sign-out goes on whatever storage does.
    forget: () => store.clear().catch(() => {}),
    dispose: () => store.dispose?.(),
    /**
     * A proof bound to the token, and a resource server's nonce challenge answered once.
     * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
     */
    async resourceRequest(client, request, accessToken, fetch) {
      const url = new URL(request.url)
      const sendAsIs = async (_: string, init: { headers: Record<string, string> }) => {
        const response = await fetch(new Request(request.clone(), { headers: init.headers }))
        await keepNonce(url.href, response)
        return response
      }
      try {
        return (
          await withProof(client, url, (proof) =>
            oauth.protectedResourceRequest(accessToken, request.method, url, request.headers, null, { ...proof, [oauth.customFetch]: sendAsIs, [oauth.allowInsecureRequests]: isLoopback(url) }),
          )
        )[0]
      } catch (cause) {
        if (cause instanceof oauth.WWWAuthenticateChallengeError) return cause.response // the caller reads the challenge (invalid_token)
        throw cause
      }
    },
  }
}
