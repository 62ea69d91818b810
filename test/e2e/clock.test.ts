// A client clock 2 hours ahead or behind the server's: sign-in works (the ID token's times are
// checked against the server's clock, learned from the token response), and a short-lived token is
// refreshed ahead of expiry — not constantly, not never — with no invalid_grant. Without `serverClock`
// (the README's troubleshooting row), the same clock fails the sign-in with INVALID_RESPONSE.
import type { BrowserContext, Page } from 'playwright-core'
import { describe, expect, test } from 'vitest'
import { counts, demoServer, settings, signIn, status, testIdText, useBrowser, waitFor } from './helpers.ts'

const HOURS_2 = 2 * 3600 * 1000
const TTL_S = 4

let page: Page
let context: BrowserContext
useBrowser((c, p) => ((context = c), (page = p)))

/** Shifts Date (now, new Date()) in every page of the context; timers are untouched, as with a wrong system clock. */
async function shiftClock(offsetMs: number) {
  await context.addInitScript((offset) => {
    const RealDate = Date
    class ShiftedDate extends RealDate {
      constructor(...args: ConstructorParameters<DateConstructor> | []) {
        super(...((args.length ? args : [RealDate.now() + offset]) as [number]))
      }
      static now() {
        return RealDate.now() + offset
      }
    }
    globalThis.Date = ShiftedDate as DateConstructor
  }, offsetMs)
}

describe.each([
  ['ahead', HOURS_2],
  ['behind', -HOURS_2],
])('client clock 2 h %s', (_, offsetMs) => {
  test('signs in and refreshes a 4-second token ahead of expiry, no invalid_grant', async () => {
    await shiftClock(offsetMs)
    await settings({ accessTokenTtl: TTL_S })
    await signIn(page)
    // The page really runs on the shifted clock.
    const pageOffset = await page.evaluate(() => Date.now() - performance.timeOrigin - performance.now())
    expect(Math.abs(pageOffset - offsetMs)).toBeLessThan(60_000)
    // Three token lifetimes: a visible tab refreshes about once per lifetime (a quarter before expiry).
    const start = (await counts()).token.refresh_token.success
    await new Promise((resolve) => setTimeout(resolve, 3 * TTL_S * 1000))
    const c = await counts()
    const refreshes = c.token.refresh_token.success - start
    expect(refreshes).toBeGreaterThanOrEqual(2)
    expect(refreshes).toBeLessThanOrEqual(6)
    expect(c.token.refresh_token.error).toBe(0)
    expect(c.errors).toEqual([])
    expect(
      await waitFor(
        () => status(page),
        (s) => s === 'signedIn',
        { timeout: 5_000 },
      ),
    ).toBe('signedIn')
  })
})

test('without serverClock, a client clock 2 h ahead fails the sign-in: INVALID_RESPONSE on the code exchange, the alert and "Sign in"', async () => {
  await shiftClock(HOURS_2)
  // The demo leaves serverClock out when its server switch says so (a development build only).
  await demoServer(context, { serverClock: false })
  await signIn(page, '/', 'error')
  const shown = await testIdText(page, 'error')
  expect(shown).toMatch(
    /^INVALID_RESPONSE\s+The token endpoint answered HTTP 200, but the answer could not be used: unexpected JWT "exp" .*expiration is past current timestamp\. .*more than 30 s off the server's, use serverClock: serverClock\(\) from tabauth\/server-clock/,
  )
  await page.getByRole('button', { name: 'Sign in', exact: true }).first().waitFor()
  const c = await counts()
  // The server issued the tokens; the client refused the ID token by its own clock, and asked nothing again.
  expect(c.token.authorization_code).toEqual({ success: 1, error: 0 })
  expect(c.authorizations).toBe(1)
})
