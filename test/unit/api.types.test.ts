// The public API's types, checked by tsc (`npm test` type-checks test/ first) and run as tests by vitest:
// a change to an export's type fails here before it reaches an app.
import { describe, expectTypeOf, it } from 'vitest'
import {
  AuthError,
  createAuthClient,
  isTransient,
  LoginRequiredError,
  useAuth,
  useGetToken,
  useToken,
  type AuthClient,
  type AuthErrorCode,
  type AuthEvent,
  type AuthState,
  type AuthStatus,
  type LoginResult,
  type LogoutResult,
  type SessionStore,
  type User,
} from '../../src'
import { createMockAuthClient, type MockAuthClient } from '../../src/testing'
import { fetchJson } from '../../src/query'

describe('public types', () => {
  it('the status union and the snapshot', () => {
    expectTypeOf<AuthStatus>().toEqualTypeOf<'loading' | 'signedOut' | 'redirecting' | 'signedIn' | 'reloginRequired' | 'error'>()
    expectTypeOf<AuthState['status']>().toEqualTypeOf<AuthStatus>()
    expectTypeOf<Extract<AuthState, { status: 'signedIn' }>>().toEqualTypeOf<{ status: 'signedIn'; user?: User; accessToken: string; expiresAt?: number; generation: number }>()
    expectTypeOf<Extract<AuthState, { status: 'error' }>>().toEqualTypeOf<{ status: 'error'; error: AuthError }>()
    expectTypeOf<Extract<AuthState, { status: 'reloginRequired' }>>().toEqualTypeOf<{ status: 'reloginRequired'; user?: User; error: AuthError }>()
  })

  it('the client', () => {
    expectTypeOf(createAuthClient).returns.toEqualTypeOf<AuthClient>()
    expectTypeOf<AuthClient['getAccessToken']>().toEqualTypeOf<() => Promise<string>>()
    expectTypeOf<AuthClient['getSnapshot']>().returns.toEqualTypeOf<AuthState>()
    expectTypeOf<AuthClient['login']>().returns.toEqualTypeOf<Promise<LoginResult>>()
    expectTypeOf<AuthClient['logout']>().returns.toEqualTypeOf<Promise<LogoutResult>>()
    expectTypeOf<AuthClient['dispose']>().toEqualTypeOf<() => void>()
    expectTypeOf<AuthClient['onEvent']>().parameter(0).toEqualTypeOf<(event: AuthEvent) => void>()
    expectTypeOf<LoginResult>().toEqualTypeOf<'redirected' | 'signedIn' | 'closed' | 'timedOut' | 'blocked'>()
  })

  it('errors', () => {
    expectTypeOf<AuthErrorCode>().toExtend<string>()
    expectTypeOf<'DISPOSED'>().toExtend<AuthErrorCode>()
    expectTypeOf<'REFRESH_PENDING'>().toExtend<AuthErrorCode>()
    expectTypeOf<LoginRequiredError>().toExtend<AuthError>()
    expectTypeOf(isTransient).toEqualTypeOf<(error: unknown) => boolean>()
  })

  it('hooks, the store interface, the mock client, the query helper', () => {
    expectTypeOf(useAuth).returns.toHaveProperty('status').toEqualTypeOf<AuthStatus>()
    expectTypeOf(useToken).returns.toHaveProperty('accessToken').toEqualTypeOf<string | undefined>()
    expectTypeOf(useGetToken).returns.toEqualTypeOf<() => Promise<string>>()
    expectTypeOf<SessionStore['get']>().toEqualTypeOf<(key: string) => Promise<unknown>>()
    expectTypeOf(createMockAuthClient).returns.toEqualTypeOf<MockAuthClient>()
    expectTypeOf<MockAuthClient>().toExtend<AuthClient>()
    expectTypeOf(fetchJson).parameter(0).toEqualTypeOf<AuthClient>()
  })
})
