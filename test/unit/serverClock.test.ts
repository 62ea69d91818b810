// `tabauth/server-clock`: a client clock hours off the server's. The ID token's times are judged on the
// server's clock learned from the token response, or, without the entry, on the local clock (which then
// refuses the token). The e2e check in real browsers with a shifted Date is test/e2e/clock.test.ts.
import { describe, expect, it } from 'vitest'
import { serverClock } from '../../src/server-clock'
import { signIn, tabs } from './fakes'

const HOURS_2_S = 2 * 3600

/** A sign-in whose ID token the server issues on a clock 2 hours behind this client's. */
async function signInBehind(config: Parameters<ReturnType<typeof tabs>['open']>[0] = {}) {
  const env = tabs()
  env.server.tamperNext.push((_, claims) => {
    claims.iat = (claims.iat as number) - HOURS_2_S
    claims.exp = (claims.exp as number) - HOURS_2_S // an hour-long token, ended an hour ago by the local clock
  })
  return signIn(env, env.open(config), config)
}

describe('tabauth/server-clock', () => {
  it('without it, the local clock is trusted: the ID token looks expired and the sign-in fails', async () => {
    const tab = await signInBehind()
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'error', error: { code: 'INVALID_RESPONSE' } })
  })

  it("with it, the same sign-in works: the server's time comes from the ID token's iat", async () => {
    const tab = await signInBehind({ serverClock: serverClock() })
    expect(tab.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice' } })
  })

  it('a Date header the page can read gives the offset first', async () => {
    const offset = await serverClock()(new Response('{}', { headers: { date: new Date(Date.UTC(2026, 0, 1, 10)).toUTCString() } }), Date.UTC(2026, 0, 1, 12))
    expect(offset).toBe(-HOURS_2_S * 1000)
  })
})
