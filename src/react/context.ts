import { createContext, useContext } from 'react'
import type { AuthClient } from '../core'

export const AuthContext = createContext<AuthClient | null>(null)

export function useAuthClient(): AuthClient {
  const client = useContext(AuthContext)
  if (!client) throw new Error('tabauth: this hook must be used inside <AuthProvider>.')
  return client
}
