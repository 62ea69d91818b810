import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'

describe('on a server', () => {
  it('imports and renders without touching window, showing loading', async () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined')
    const { AuthProvider, LoginButton, useAuth } = await import('../../src')
    function Status() {
      return createElement('p', null, useAuth().status)
    }
    const html = renderToString(createElement(AuthProvider, { issuer: 'https://id.example.test', clientId: 'spa' }, createElement(Status), createElement(LoginButton)))
    expect(html).toContain('<p>loading</p>')
    expect(html).toMatch(/<button[^>]*disabled[^>]*>Sign in<\/button>/)
  })
})
