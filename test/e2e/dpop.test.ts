// DPoP (RFC 9449) across real tabs, against the provider's DPoP client (bound tokens required,
// nonces on): one key shared by every tab, exactly one refresh per expiry, nonces shared, proofs
// to a resource server (userinfo) with its nonce challenge, and a stolen refresh token is useless.
import * as oauth from 'oauth4webapi'
import type { BrowserContext, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { appUrl, counts, discovery, issuer, readRefreshToken, refreshGrant, reset, settle, tokenRequests, useBrowser, type Counts } from './helpers.ts'
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
