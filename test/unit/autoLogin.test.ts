import { describe, expect, it } from 'vitest'
import { signIn, tabs } from './fakes'

const authorizations = (tab: { navigation: { assigned: string[] } }) => tab.navigation.assigned.filter((url) => new URL(url).pathname === '/auth')

describe('autoLogin (what a route guard calls)', () => {
  it('redirects once when called twice in a row (StrictMode effects)', async () => {
    const env = tabs()
    const tab = env.open({ url: 'https://app.example.test/protected?x=1' })
    await tab.client.start()
    const first = tab.client.autoLogin()
    const second = tab.client.autoLogin()
    await Promise.all([first, second])
    expect(authorizations(tab)).toHaveLength(1)
    expect(tab.client.getSnapshot()).toEqual({ status: 'redirecting' })
  })

  it('a refused sign-in comes back signed out with the reason, and is not redirected again', async () => {
    const env = tabs()
    const tab = env.open({ url: 'https://app.example.test/protected' })
    await tab.client.start()
    await tab.client.autoLogin()
    const callback = await env.server.authorize(tab.navigation.assigned[0], { error: 'access_denied' })
    const back = env.open({ url: callback, transactionStorage: tab.transactionStorage })
    await back.client.start()
    expect(back.client.getSnapshot()).toMatchObject({ status: 'signedOut', error: { code: 'AUTHORIZATION_ERROR', error: 'access_denied' } })
    expect(new URL(back.navigation.url).pathname).toBe('/protected')
    await back.client.autoLogin()
    expect(back.navigation.assigned).toHaveLength(0)
  })

  it('a reload within the window does not redirect again: signedOut with RELOGIN_LOOP; after the window it may', async () => {
    const env = tabs()
    const tab = env.open()
    await tab.client.start()
    await tab.client.autoLogin()
    expect(authorizations(tab)).toHaveLength(1)
    // The user came back without a callback (Back button, reload): a new page, the same sessionStorage.
    const reloaded = env.open({ transactionStorage: tab.transactionStorage })
    await reloaded.client.start()
    await reloaded.client.autoLogin()
    expect(reloaded.navigation.assigned).toHaveLength(0)
    expect(reloaded.client.getSnapshot()).toMatchObject({ status: 'signedOut', error: { code: 'RELOGIN_LOOP' } })
    env.clock.advance(61_000)
    const later = env.open({ transactionStorage: tab.transactionStorage })
    await later.client.start()
    await later.client.autoLogin()
    expect(authorizations(later)).toHaveLength(1)
  })

  it('does nothing when signed in, in reloginRequired or in error', async () => {
    const env = tabs({ expiresIn: 20 })
    const tab = await signIn(env, env.open())
    await tab.client.autoLogin()
    expect(tab.navigation.assigned).toHaveLength(0)
    env.server.revokeAll()
    env.clock.advance(21_000)
    await tab.client.getAccessToken().catch(() => {})
    expect(tab.client.getSnapshot().status).toBe('reloginRequired')
    await tab.client.autoLogin()
    expect(tab.navigation.assigned).toHaveLength(0)

    const broken = env.open({ fetch: async () => new Response('not found', { status: 404 }) }) // no metadata: DISCOVERY_FAILED
    await broken.client.start()
    await broken.client.login().catch(() => {})
    expect(broken.client.getSnapshot().status).toBe('error')
    await broken.client.autoLogin()
    expect(broken.navigation.assigned).toHaveLength(0)
  })
})
