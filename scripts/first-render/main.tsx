// The first-render bench page (scripts/first-render.js), built twice: with tabauth, and with a
// baseline that reads its token from localStorage synchronously. Everything else is the same.
import { useLayoutEffect } from 'react'
import { createRoot } from 'react-dom/client'
import { AuthProvider, LoginButton, useAuth } from 'tabauth'
import { firstRenderHint } from 'tabauth/hint'

/** When this page's script started: what comes after it is the library's part of the first render. */
const scriptStart = performance.now()

declare global {
  interface ImportMetaEnv {
    /** 'baseline' builds the localStorage page. */
    readonly VITE_VARIANT?: string
  }
  interface Window {
    /** performance.now() (from navigation start) when the page first rendered `signedIn`. */
    __signedInAt?: number
    /** The same, counted from when the page's script started. */
    __signedInAfterScript?: number
  }
}

function Status({ status }: { status: string }) {
  useLayoutEffect(() => {
    if (status !== 'signedIn' || window.__signedInAt !== undefined) return
    window.__signedInAt = performance.now()
    window.__signedInAfterScript = window.__signedInAt - scriptStart
  }, [status])
  return <p data-testid="status">{status}</p>
}

function TabauthPage() {
  const { status } = useAuth()
  return (
    <>
      <Status status={status} />
      {status === 'signedOut' && <LoginButton />}
    </>
  )
}

/** The first-render hint: this page measures the first frame of a new tab. Made once, outside render. */
const hint = firstRenderHint()

function BaselinePage() {
  return <Status status={localStorage.getItem('baseline:token') ? 'signedIn' : 'signedOut'} />
}

createRoot(document.getElementById('root')!).render(
  import.meta.env.VITE_VARIANT === 'baseline' ? (
    <BaselinePage />
  ) : (
    <AuthProvider issuer={import.meta.env.VITE_ISSUER!} clientId="tabauth-example" scope="openid profile offline_access" hint={hint}>
      <TabauthPage />
    </AuthProvider>
  ),
)
