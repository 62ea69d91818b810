import { AuthError } from '../core'
import { HttpError } from './fetchJson'

/** TanStack Query's own default: three retries. */
const DEFAULT_RETRIES = 3

/**
 * A `retry` for QueryClient defaults: never retry what only the user can fix (no session,
 * 401 after the one refresh and replay, 403); TanStack's normal retries otherwise.
 */
export function authRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof AuthError && error.code === 'LOGIN_REQUIRED') return false
  if (error instanceof HttpError && (error.status === 401 || error.status === 403)) return false
  return failureCount < DEFAULT_RETRIES
}
