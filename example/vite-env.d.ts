/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The OpenID provider's issuer URL (default http://127.0.0.1:9000). */
  readonly VITE_ISSUER?: string
  /** '1': the production build reads localStorage `tabauth-demo:server` too (the test rig's build). */
  readonly VITE_SERVER_SWITCH?: string
}
