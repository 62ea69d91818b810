// DPoP (RFC 9449) across real tabs, against the provider's DPoP client (bound tokens required,
// nonces on): one key shared by every tab, exactly one refresh per expiry, nonces shared, proofs
// to a resource server (userinfo) with its nonce challenge, and a stolen refresh token is useless.
import * as oauth from 'oauth4webapi'
import type { BrowserContext, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, discovery, issuer, readRefreshToken, refreshGrant, reset, settle, signIn, storedRecord, tokenRequests, useBrowser, waitForStatus, type Counts } from './helpers.ts'
import { sameToken, signedInTabs, snapshot, storm, tabsContext, untilExpired, userinfo } from './tabs.ts'

const DPOP_CLIENT = 'tabauth-example-dpop'

let context: BrowserContext
let page: Page
useBrowser(
  (c, p) => ((context = c), (page = p)),
  async (browser) => {
    const opened = await tabsContext(browser)
    // The example app switches to the DPoP client when this flag is set.
    await opened.context.addInitScript((origin) => location.origin === origin && localStorage.setItem('tabauth-demo:dpop', '1'), appUrl)
    return opened
  },
)

const errorsOf = (c: Counts) => c.errors as Array<{ grant_type: string; error: string }>

test('sign-in binds the tokens to the shared key: DPoP token type, one use_dpop_nonce answered once', async () => {
  await signedInTabs(context, page, 1)
  await settle(page)
  const c = await counts()
  expect(c.token.authorization_code.success).toBe(1)
  // The first proof has no nonce yet: the server asks for one, the client answers once.
  expect(errorsOf(c).map((e) => e.error)).toEqual(['use_dpop_nonce'])
  const stored = await page.evaluate(async () => {
    const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => Object.assign(r, { onsuccess: () => resolve(r.result), onerror: () => reject(r.error) }))
    const db = await request(indexedDB.open('tabauth-dpop'))
    const pairs = (await request(db.transaction('keys').objectStore('keys').getAll())) as CryptoKeyPair[]
    db.close()
    return { count: pairs.length, privateExtractable: pairs[0]?.privateKey.extractable, namedCurve: (pairs[0]?.privateKey.algorithm as EcKeyAlgorithm).namedCurve }
  })
  expect(stored).toEqual({ count: 1, privateExtractable: false, namedCurve: 'P-256' })
  // A Bearer use of the access token is refused: it is bound to the key.
  expect((await userinfo((await snapshot(page)).accessToken!)).status).toBe(401)
})

test('storm: 5 tabs x 3 calls after expiry make exactly one refresh, with no nonce retry, and every tab gets the same token', async () => {
  const { before, results, after } = await storm(context, page)
  expect(after.token.refresh_token).toEqual({ success: 1, error: 0 })
  expect(tokenRequests(after)).toBe(1)
  expect(after.errors).toEqual([])
  expect(results.flat()).toEqual(Array(15).fill(results[0]![0]))
  expect(results[0]![0]).not.toBe(before)
})

test('relay: 10 rounds of 2 s tokens, each refreshed by the next tab in turn with the shared key and nonce: one request per round, no error', async () => {
  const tabs = await signedInTabs(context, page, 3, { ttl: 3, ttlAfter: 2 }) // 2 s: see the relay in tabs.test.ts
  await reset()
  let token = (await snapshot(page)).accessToken!
  for (let round = 0; round < 10; round++) {
    await untilExpired(tabs)
    await tabs[round % tabs.length]!.evaluate(() => window.tabauth.getAccessToken())
    token = await sameToken(tabs, { other: token })
    const c = await counts()
    expect(c.token.refresh_token, `round ${round}: ${JSON.stringify(c.errors)}`).toEqual({ success: round + 1, error: 0 })
  }
  expect((await counts()).errors).toEqual([])
})

test('client.fetch sends a DPoP proof to the resource server and answers its nonce challenge', async () => {
  await signedInTabs(context, page, 1)
  const { userinfo_endpoint } = await discovery()
  await reset()
  const result = await page.evaluate(async (url) => {
    // Forget the shared nonce, so the resource server has to challenge the first proof.
    const open = indexedDB.open('tabauth-dpop')
    const db = await new Promise<IDBDatabase>((resolve) => (open.onsuccess = () => resolve(open.result)))
    const tx = db.transaction('nonces', 'readwrite')
    tx.objectStore('nonces').clear()
    await new Promise((resolve) => (tx.oncomplete = resolve))
    db.close()
    const response = await window.tabauth.fetch(url)
    return { status: response.status, body: (await response.json()) as { name?: string } }
  }, userinfo_endpoint)
  expect(result).toEqual({ status: 200, body: expect.objectContaining({ name: 'Alice Example' }) })
  expect((await counts()).userinfo).toBe(2) // the challenged proof, then the one with the nonce
})

test('a refresh token stolen from storage is refused without the key: no proof, or a proof by another key', async () => {
  await signedInTabs(context, page, 1)
  const stolen = await readRefreshToken(page, DPOP_CLIENT)
  await reset()
  // No proof at all.
  expect(await refreshGrant(stolen, DPOP_CLIENT)).toMatchObject({ status: 400 })
  // A proof signed by the attacker's own key (with a fresh nonce): the token is bound to the app's key.
  const as = await oauth.processDiscoveryResponse(new URL(issuer), await oauth.discoveryRequest(new URL(issuer), { [oauth.allowInsecureRequests]: true }))
  const client: oauth.Client = { client_id: DPOP_CLIENT }
  const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
  const attempt = () => oauth.refreshTokenGrantRequest(as, client, oauth.None(), stolen, { DPoP, [oauth.allowInsecureRequests]: true }).then((r) => oauth.processRefreshTokenResponse(as, client, r))
  const error = await attempt()
    .catch((e) => (oauth.isDPoPNonceError(e) ? attempt() : Promise.reject(e)))
    .then(
      () => undefined,
      (e: oauth.ResponseBodyError) => e,
    )
  expect(error).toMatchObject({ error: 'invalid_grant' })
  expect((await counts()).token.refresh_token.success).toBe(0)
})

/** The DPoP store of the page's origin: each key pair's public JWK (as the proofs carry it) and extractability, and the nonces. */
function dpopStorage(tab: Page) {
  return tab.evaluate(async () => {
    const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => Object.assign(r, { onsuccess: () => resolve(r.result), onerror: () => reject(r.error) }))
    const db = await request(indexedDB.open('tabauth-dpop'))
    const tx = db.transaction(['keys', 'nonces'])
    const pairs = (await request(tx.objectStore('keys').getAll())) as CryptoKeyPair[]
    const nonces = await request(tx.objectStore('nonces').count())
    db.close()
    const keys = await Promise.all(
      pairs.map(async (pair) => {
        const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey)
        return { jwk: JSON.stringify({ kty, crv, x, y }), extractable: pair.privateKey.extractable }
      }),
    )
    return { keys, nonces }
  })
}

/** Every DPoP proof the browser sends, by the public key that signed it (the header's `jwk`). */
function proofSigners(target: BrowserContext): string[] {
  const signers: string[] = []
  target.on('request', (request) => {
    const proof = request.headers()['dpop']
    if (!proof) return
    const { kty, crv, x, y } = JSON.parse(Buffer.from(proof.split('.')[0]!, 'base64url').toString()).jwk
    signers.push(JSON.stringify({ kty, crv, x, y }))
  })
  return signers
}

/** RFC 7638, computed here rather than by the code under test. */
const jktOf = async (jwk: string) => {
  const { crv, kty, x, y } = JSON.parse(jwk)
  return Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify({ crv, kty, x, y })))).toString('base64url')
}

test('a planted extractable DPoP key is replaced: no proof is ever signed by it, and the next sign-in binds the tokens to a new non-extractable key', async () => {
  await signedInTabs(context, page, 1)
  const signers = proofSigners(context)
  // A one-time script replaces the key pair with one it made extractable (it could sign with it from anywhere).
  const planted = await page.evaluate(async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair
    const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => Object.assign(r, { onsuccess: () => resolve(r.result), onerror: () => reject(r.error) }))
    const db = await request(indexedDB.open('tabauth-dpop'))
    const store = db.transaction('keys', 'readwrite').objectStore('keys')
    for (const key of await request(store.getAllKeys())) await request(store.put(pair, key))
    db.close()
    const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey)
    return JSON.stringify({ kty, crv, x, y })
  })
  expect((await dpopStorage(page)).keys).toEqual([{ jwk: planted, extractable: true }])
  const { userinfo_endpoint } = await discovery()
  // A proof is needed: the planted key is refused and replaced. The tokens were bound to the key it overwrote,
  // so the server refuses the new key's proofs and the session ends (the old key is gone for good).
  await page.evaluate((url) => window.tabauth.fetch(url).catch(() => undefined), userinfo_endpoint)
  await waitForStatus(page, ['reloginRequired', 'signedOut'])
  const replaced = (await dpopStorage(page)).keys
  expect(replaced).toEqual([{ jwk: expect.any(String), extractable: false }])
  expect(replaced[0]!.jwk).not.toBe(planted)
  expect(signers.length).toBeGreaterThan(0)
  expect(signers).not.toContain(planted)
  // Signing in again works, with a key of its own (no sign-out between: the sign-in alone makes it).
  await page.evaluate(() => void window.tabauth.login().catch(() => {}))
  await waitForStatus(page, 'signedIn', 30_000)
  const after = (await dpopStorage(page)).keys
  expect(after).toEqual([{ jwk: expect.any(String), extractable: false }])
  expect(signers.at(-1)).toBe(after[0]!.jwk)
  expect(await page.evaluate((url) => window.tabauth.fetch(url).then((r) => r.status), userinfo_endpoint)).toBe(200)
})

test('sign-out deletes the key and its nonces for every tab; the next sign-in makes a new key, its thumbprint kept with the session, used by every tab', async () => {
  const tabs = await signedInTabs(context, page, 2)
  const before = await dpopStorage(tabs[1]!)
  expect(before.keys).toHaveLength(1)
  expect(before.nonces).toBeGreaterThan(0)
  await page.evaluate(() => window.tabauth.logout({ localOnly: true }))
  await waitForStatus(tabs[1]!, 'signedOut')
  expect(await dpopStorage(tabs[1]!)).toEqual({ keys: [], nonces: 0 })
  // Every proof from here on (not from before the sign-out: the demo's own queries may still sign
  // with the old key until then; CI saw one) must be signed by the new key.
  const signers = proofSigners(context)
  await reset()
  await signIn(page)
  await waitForStatus(tabs[1]!, 'signedIn')
  const after = (await dpopStorage(tabs[1]!)).keys
  expect(after).toEqual([{ jwk: expect.any(String), extractable: false }])
  expect(after[0]!.jwk).not.toBe(before.keys[0]!.jwk)
  const record = (await storedRecord(page, DPOP_CLIENT)) as { session: { tokens: { jkt?: string } } }
  expect(record.session.tokens.jkt).toBe(await jktOf(after[0]!.jwk))
  // The other tab's proofs are signed by the same key, and the resource server accepts them (the tokens are bound to it).
  const { userinfo_endpoint } = await discovery()
  expect(await tabs[1]!.evaluate((url) => window.tabauth.fetch(url).then((r) => r.status), userinfo_endpoint)).toBe(200)
  expect(new Set(signers), `proof signers after the sign-out (the old key: ${before.keys[0]!.jwk})`).toEqual(new Set([after[0]!.jwk]))
})
