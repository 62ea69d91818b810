// login({ popup: true }) through the fake server and fake tabs: the opener never navigates.
import { describe, expect, it } from 'vitest'
import type { AuthEvent, LoginResult, Navigation, PopupWindow } from '../../src'
import { fakeNavigation, memoryKeyValue, signIn, tabs } from './fakes'

/** A navigation whose popups the test sees (and can close), or that blocks them. */
function popupNavigation(blocked = false) {
  const popups: Array<PopupWindow & { closed: boolean; url?: string }> = []
  const navigation: Navigation & ReturnType<typeof fakeNavigation> = {
    ...fakeNavigation(),
    openPopup() {
      if (blocked) return null
      const popup = { closed: false, url: undefined as string | undefined, navigate: (url: string) => void (popup.url = url), close: () => void (popup.closed = true) }
      popups.push(popup)
      return popup
    },
  }
  return { navigation, popups }
}

/** A tab whose grant died: reloginRequired, with a popup navigation; localStorage shared with its popups. */
async function reloginTab(blocked = false) {
  const env = tabs()
  const shared = memoryKeyValue() // localStorage: one per origin
  const { navigation, popups } = popupNavigation(blocked)
  const first = await signIn(env, env.open())
  first.client.dispose()
  const opener = { ...env.open({ navigation, popupTransactionStorage: shared }), navigation }
  await opener.client.start()
  env.server.revokeAll()
  env.clock.advance(300_000)
  await opener.client.getAccessToken().catch(() => {})
  expect(opener.client.getSnapshot().status).toBe('reloginRequired')
  const events: AuthEvent[] = []
  opener.client.onEvent((event) => events.push(event))
  const assignedBefore = opener.navigation.assigned.length
  return { env, shared, opener, popups, events, navigations: () => opener.navigation.assigned.length - assignedBefore }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('login({ popup: true })', () => {
  it('the popup exchanges the code once, stores the session and closes itself; the opener adopts it without navigating', async () => {
    const { env, shared, opener, popups, navigations } = await reloginTab()
    const codesBefore = env.server.requests.authorization_code
    const result = opener.client.login({ popup: true })
    await settle()
    expect(opener.client.getSnapshot().status).toBe('redirecting')
    // The popup window: the server's page, then the callback in a new page of the app with no opener.
    const callback = await env.server.authorize(await waitForUrl(popups[0]!))
    let closed = false
    const popup = env.open({ url: callback, popupTransactionStorage: shared, navigation: { ...fakeNavigation(callback), close: () => void (closed = true) } })
    await popup.client.start()
    expect(popup.client.getSnapshot().status).toBe('signedIn')
    expect(closed).toBe(true)
    expect(await result).toBe<LoginResult>('signedIn')
    expect(opener.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice' } })
    expect(env.server.requests.authorization_code - codesBefore).toBe(1)
    expect(navigations()).toBe(0)
  })

  it('a popup the user closes leaves the page in reloginRequired, with its user, and says so', async () => {
    const { env, opener, popups, events, navigations } = await reloginTab()
    const before = opener.client.getSnapshot()
    const result = opener.client.login({ popup: true })
    await waitForUrl(popups[0]!)
    popups[0]!.closed = true
    env.clock.advance(500)
    expect(await result).toBe<LoginResult>('closed')
    expect(opener.client.getSnapshot()).toEqual(before)
    expect(events).toContainEqual({ type: 'popupClosed', timedOut: false })
    expect(navigations()).toBe(0)
  })

  it('times out when the popup never reports closed (a COOP header cut the handle off) and closes it', async () => {
    const { env, opener, popups, events } = await reloginTab()
    const result = opener.client.login({ popup: true })
    await waitForUrl(popups[0]!)
    env.clock.advance(10 * 60 * 1000)
    expect(await result).toBe<LoginResult>('timedOut')
    expect(popups[0]!.closed).toBe(true)
    expect(opener.client.getSnapshot().status).toBe('reloginRequired')
    expect(events).toContainEqual({ type: 'popupClosed', timedOut: true })
  })

  it('a blocked popup changes nothing and says so', async () => {
    const { opener, events, navigations } = await reloginTab(true)
    const before = opener.client.getSnapshot()
    expect(await opener.client.login({ popup: true })).toBe<LoginResult>('blocked')
    expect(opener.client.getSnapshot()).toBe(before)
    expect(events).toEqual([{ type: 'popupBlocked' }])
    expect(navigations()).toBe(0)
  })

  it('a session that arrives just as the popup closes counts as signed in', async () => {
    const { env, shared, opener, popups } = await reloginTab()
    const result = opener.client.login({ popup: true })
    const callback = await env.server.authorize(await waitForUrl(popups[0]!))
    opener.deafen() // this page hears no channel message: only the store tells it
    await env.open({ url: callback, popupTransactionStorage: shared }).client.start()
    popups[0]!.closed = true
    env.clock.advance(500)
    expect(await result).toBe<LoginResult>('signedIn')
  })
})

async function waitForUrl(popup: { url?: string }): Promise<string> {
  for (let i = 0; i < 50 && !popup.url; i++) await settle()
  if (!popup.url) throw new Error('the popup was never sent to the server')
  return popup.url
}
