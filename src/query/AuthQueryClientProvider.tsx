import { QueryClientProvider, type QueryClient } from '@tanstack/react-query'
import { useCallback, useEffect, useState, type ReactNode } from 'react'
import { useAuthClient } from '../react/context'
import { connectQueryClient, setAuthDefaults } from './connect'
import { fetchJson } from './fetchJson'

/**
 * TanStack's `QueryClientProvider`, connected to the auth client of the surrounding
 * `<AuthProvider>` (see `connectQueryClient`).
 */
export function AuthQueryClientProvider({ client, children }: { client: QueryClient; children?: ReactNode }) {
  const auth = useAuthClient()
  useState(() => setAuthDefaults(client, auth)) // before the children's first render: no query runs ungated
  useEffect(() => connectQueryClient(client, auth), [client, auth])
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>
}

/** A stable `fetchJson` bound to the surrounding `<AuthProvider>`'s client, for queryFn and mutationFn. */
export function useFetchJson(): <T = unknown>(input: RequestInfo | URL, init?: RequestInit) => Promise<T> {
  const auth = useAuthClient()
  return useCallback((input, init) => fetchJson(auth, input, init), [auth])
}
