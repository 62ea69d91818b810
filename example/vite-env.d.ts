/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The OpenID provider's issuer URL (default http://127.0.0.1:9000). */
  readonly VITE_ISSUER?: string
}
