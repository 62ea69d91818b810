// A tab closed in the middle of its refresh, end to end: real Chromium tabs of one browser context
// against the real provider. Every count is read from the provider. Tabs start "hidden" to the
// library (see tabs.ts). The other multi-tab scenarios (storm, new tab, sign-out, frozen tab, relay,
// dead grant) run in every engine and server profile: test/scenarios/ (`npm test -- --suite scenarios`).
import type { BrowserContext, Page } from 'playwright-core'
import { expect, test } from 'vitest'
import { counts, reset, settings, settle, type Counts, useBrowser } from './helpers.ts'
import { signedInTabs, tabsContext, untilExpired, userinfo } from './tabs.ts'

let context: BrowserContext
let page: Page
useBrowser((c, p) => ((context = c), (page = p)), tabsContext)

const invalidGrants = (c: Counts) => (c.errors as Array<{ error: string }>).filter((e) => e.error === 'invalid_grant')

test('dead holder: a tab closed in the middle of its refresh does not stall the others', async () => {
  const [holder, waiter] = await signedInTabs(context, page, 2, { ttl: 3 })
  await untilExpired([holder!, waiter!])
  await settings({ tokenFailure: { hang: true, times: 1 } })
  await reset()

  // The holder takes the lock and its refresh request hangs at the provider.
  await holder!.evaluate(() => void window.tabauth.getAccessToken().catch(() => {}))
  await waitForProvider((c) => c.hanging === 1, 'the holder’s refresh to hang at the provider')
  const waiting = waiter!.evaluate(() => window.tabauth.getAccessToken())
  await holder!.close()

  // Far below the library's 20 s lock timeout: the closed tab's lock is released at once.
  const started = Date.now()
  const token = await Promise.race([waiting, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('getAccessToken() in the other tab took over 5 s')), 5000))])
  expect(Date.now() - started).toBeLessThan(5000)
  await settle(waiter!)
  // The closed tab's request was dropped, not merely held: releasing it later would spend the
  // refresh token a second time.
  const after = await counts()
  expect(after.hanging).toBe(0)
  await settings({ tokenFailure: null })

  expect(after.token.refresh_token).toEqual({ success: 1, error: 1 })
  expect((after.errors as Array<{ error: string }>).map((e) => e.error)).toEqual(['hang'])
  expect(invalidGrants(await counts())).toEqual([])
  expect(await userinfo(token)).toEqual({ status: 200, name: 'Alice Example' })
})

/** Polls the provider's counts until `until` holds. */
async function waitForProvider(until: (c: Counts & { hanging?: number }) => boolean, message: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout
  for (;;) {
    const c = await counts()
    if (until(c)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}; counts: ${JSON.stringify(c)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
