// login({ popup: true }) through the fake server and fake tabs: the opener never navigates.
import { describe, expect, it } from 'vitest'
import type { AuthEvent, KeyValueStorage, LoginResult } from '../../src'
import { popup, type PopupWindow } from '../../src/popup'
import { CLIENT_ID, fakeNavigation, ISSUER, memoryKeyValue, signIn, tabs } from './fakes'

/** Where popup() keeps its transactions, for the fake tabs' issuer and client. */
const popupKey = `tabauth:popup-tx:${ISSUER} ${CLIENT_ID}`

/** `popup()` whose windows the test sees (and can close), or that blocks them; its transactions in `storage`. */
function fakePopups(storage: KeyValueStorage, blocked = false) {
  const popups: Array<PopupWindow & { closed: boolean; url?: string }> = []
  const open = () => {
    if (blocked) return null
    const popup = { closed: false, url: undefined as string | undefined, navigate: (url: string) => void (popup.url = url), close: () => void (popup.closed = true) }
    popups.push(popup)
    return popup
  }
  return { popup: popup({ storage, open }), popups }
}

/** A tab whose grant died: reloginRequired, with a popup navigation; localStorage shared with its popups. */
async function reloginTab(blocked = false) {
  const env = tabs()
  const shared = memoryKeyValue() // localStorage: one per origin
  const { popup: openerPopup, popups } = fakePopups(shared, blocked)
  const first = await signIn(env, env.open())
  first.client.dispose()
  const opener = env.open({ popup: openerPopup })
  await opener.client.start()
  env.server.revokeAll()
  env.clock.advance(300_000)
  await opener.client.getAccessToken().catch(() => {})
  expect(opener.client.getSnapshot().status).toBe('reloginRequired')
  const events: AuthEvent[] = []
  opener.client.onEvent((event) => events.push(event))
  const assignedBefore = opener.navigation.assigned.length
  return { env, shared, opener, popups, events, navigations: () => opener.navigation.assigned.length - assignedBefore, pending: () => Object.keys(JSON.parse(shared.get(popupKey) ?? '{}')) }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/** Waits (in real time: PKCE and the ID token check run on WebCrypto, slower on a loaded machine) for `condition`. */
async function until(condition: () => boolean) {
  for (const end = Date.now() + 5_000; !condition() && Date.now() < end;) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(condition()).toBe(true)
}

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
    const popupTab = env.open({ url: callback, popup: popup({ storage: shared }), navigation: { ...fakeNavigation(callback), close: () => void (closed = true) } })
    await popupTab.client.start()
    expect(popupTab.client.getSnapshot().status).toBe('signedIn')
    expect(closed).toBe(true)
    expect(await result).toBe<LoginResult>('signedIn')
    expect(opener.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice' } })
    expect(env.server.requests.authorization_code - codesBefore).toBe(1)
    expect(navigations()).toBe(0)
  })

  it('a client disposed while its popup is open: the login rejects with DISPOSED, the popup stays, and its sign-in still reaches the store', async () => {
    const { env, shared, opener, popups } = await reloginTab()
    const result = opener.client.login({ popup: true }).catch((error: unknown) => error)
    const url = await waitForUrl(popups[0]!)
    opener.client.dispose()
    expect(await result).toMatchObject({ code: 'DISPOSED' })
    expect(popups[0]!.closed).toBe(false)
    // The user finishes in the popup: the session is stored for the app's next client.
    const callback = await env.server.authorize(url)
    const popupTab = env.open({ url: callback, popup: popup({ storage: shared }), navigation: { ...fakeNavigation(callback), close: () => {} } })
    await popupTab.client.start()
    const next = env.open()
    await next.client.start()
    expect(next.client.getSnapshot()).toMatchObject({ status: 'signedIn', user: { sub: 'alice' } })
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

  it("a timed-out popup's transaction (state, nonce, PKCE verifier) is removed at once", async () => {
    const { env, opener, popups, pending } = await reloginTab()
    const result = opener.client.login({ popup: true })
    await waitForUrl(popups[0]!)
    expect(pending()).toHaveLength(1)
    env.clock.advance(10 * 60 * 1000)
    expect(await result).toBe<LoginResult>('timedOut')
    expect(pending()).toEqual([])
  })

  it("a closed popup's transaction stays for a COOP-cut popup still signing in, then goes at the end of its lifetime", async () => {
    const { env, shared, opener, popups, pending } = await reloginTab()
    const result = opener.client.login({ popup: true })
    await env.server.authorize(await waitForUrl(popups[0]!))
    popups[0]!.closed = true // what the opener sees when COOP cuts the handle off
    env.clock.advance(500)
    expect(await result).toBe<LoginResult>('closed')
    expect(pending()).toHaveLength(1)
    // The user closes it for real instead: nothing finishes, and the transaction is gone after its lifetime.
    env.clock.advance(10 * 60 * 1000)
    expect(pending()).toEqual([])
    // Had the popup finished, its callback would have found it (checked on a second sign-in below).
    const again = opener.client.login({ popup: true })
    const secondCallback = await env.server.authorize(await waitForUrl(popups[1]!))
    popups[1]!.closed = true
    env.clock.advance(500)
    expect(await again).toBe<LoginResult>('closed')
    await env.open({ url: secondCallback, popup: popup({ storage: shared }) }).client.start()
    await until(() => opener.client.getSnapshot().status === 'signedIn')
    expect(pending()).toEqual([])
  })

  it('a transaction left by a popup whose opener went away is pruned when the next client starts', async () => {
    const env = tabs()
    const shared = memoryKeyValue()
    const tx = { state: 's1', codeVerifier: 'v'.repeat(43), nonce: 'n', redirectUri: 'https://app.example/callback', returnTo: '/', createdAt: env.clock.now() - 10 * 60 * 1000 - 1 }
    shared.set(popupKey, JSON.stringify({ s1: tx }))
    env.open({ popup: popup({ storage: shared }) })
    expect(shared.get(popupKey)).toBeNull()
  })

  it('login({ popup: true }) without popup() configured is a CONFIG error, and no window opens', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.start()
    await expect(tab.client.login({ popup: true })).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringContaining('tabauth/popup') })
    expect(tab.navigation.assigned).toEqual([])
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
    await env.open({ url: callback, popup: popup({ storage: shared }) }).client.start()
    popups[0]!.closed = true
    env.clock.advance(500)
    expect(await result).toBe<LoginResult>('signedIn')
  })
})

async function waitForUrl(popup: { url?: string }): Promise<string> {
  await until(() => popup.url !== undefined) // the authorization URL follows PKCE's WebCrypto
  return popup.url!
}
