// Token refresh against the real provider (rotating refresh tokens): after the access token
// expires the app holds a new one, obtained with exactly one refresh_token grant for that expiry,
// and the new token is accepted by the provider's userinfo endpoint.
import type { BrowserContext, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { counts, fingerprint, newTab, settings, settle, signIn, status, storedRecord, testIdText, waitFor, waitForStatus, appUrl, useBrowser } from './helpers.ts'

let context: BrowserContext
let page: Page
useBrowser((c, p) => ((context = c), (page = p)))

/** The last 6 characters of the access token each authorization_code exchange returned. */
function recordCodeExchangeTokens(target: Page): () => Promise<string[]> {
  const pending: Promise<string | undefined>[] = []
  target.on('response', (response) => {
    const request = response.request()
    if (request.method() !== 'POST' || !/grant_type=authorization_code/.test(request.postData() ?? '')) return
    pending.push(
      response
        .json()
        .then((body: { access_token?: string }) => body.access_token?.slice(-6))
        // Not JSON: an error response, which the provider's counts show.
        .catch(() => undefined),
    )
  })
  return async () => (await Promise.all(pending)).filter((token): token is string => token !== undefined)
}

const isFingerprint = (value: string | undefined): value is string => value !== undefined && /^\S{6}$/.test(value)

test('after the 3 s access token expires, the app holds a new one from exactly one refresh, and userinfo accepts it', async () => {
  const signInTokens = recordCodeExchangeTokens(page)
  await settings({ accessTokenTtl: 3 })
  await signIn(page)
  // Tokens issued from now on live long: this test sees exactly one expiry.
  await settings({ accessTokenTtl: 300 })

  const exchanged = await signInTokens()
  expect(exchanged).toHaveLength(1)
  const first = exchanged[0]!
  const start = await counts()
  expect(start.token.authorization_code).toEqual({ success: 1, error: 0 })

  const renewed = await waitFor(
    () => fingerprint(page),
    (value) => isFingerprint(value) && value !== first,
    {
      timeout: 20_000,
      message: `an access token other than …${first}`,
    },
  )
  await settle(page)

  const after = await counts()
  expect(after.token.refresh_token).toEqual({ success: 1, error: 0 })
  expect(after.token.authorization_code).toEqual({ success: 1, error: 0 })
  expect(after.errors).toEqual([])
  expect(await status(page)).toBe('signedIn')
  // The shared store holds the same new token.
  expect((await storedRecord(page))?.session?.tokens.accessToken.slice(-6)).toBe(renewed)

  await page.getByRole('button', { name: 'Call userinfo' }).click()
  const userinfo = await waitFor(
    () => testIdText(page, 'userinfo'),
    (value) => value === 'Alice Example' || !!value?.startsWith('Error'),
    {
      message: 'the userinfo result',
    },
  )
  expect(userinfo).toBe('Alice Example')
  expect(await fingerprint(page)).toBe(renewed)

  await settle(page)
  const end = await counts()
  expect(end.userinfo).toBeGreaterThan(after.userinfo)
  // The renewed token was fresh: calling userinfo needed no further refresh.
  expect(end.token.refresh_token).toEqual({ success: 1, error: 0 })
  expect(end.errors).toEqual([])
})

test('three tabs, one expiry: exactly one refresh, and every tab adopts the same new token', async () => {
  const signInTokens = recordCodeExchangeTokens(page)
  // A little longer than 3 s, so the other two tabs are up before the token expires.
  await settings({ accessTokenTtl: 6 })
  await signIn(page)
  await settings({ accessTokenTtl: 300 })
  const exchanged = await signInTokens()
  expect(exchanged).toHaveLength(1)
  const first = exchanged[0]!

  const others = await Promise.all([newTab(context), newTab(context)])
  await Promise.all(others.map((tab) => tab.goto(appUrl)))
  await Promise.all(others.map((tab) => waitForStatus(tab, 'signedIn')))
  const tabs = [page, ...others]

  const fingerprints = await waitFor(
    () => Promise.all(tabs.map((tab) => fingerprint(tab))),
    (values) => values.every((value) => isFingerprint(value) && value !== first && value === values[0]),
    { timeout: 25_000, message: `all three tabs to show the same access token other than …${first}` },
  )
  await Promise.all(tabs.map((tab) => settle(tab)))

  const after = await counts()
  expect(after.token.refresh_token).toEqual({ success: 1, error: 0 })
  expect(after.token.authorization_code).toEqual({ success: 1, error: 0 })
  expect(after.errors).toEqual([])
  for (const tab of tabs) expect(await status(tab)).toBe('signedIn')
  expect(new Set(fingerprints).size).toBe(1)
})
