// Issue 18: the public types of every entry (package.json `exports`, resolved through tsconfig `paths`),
// frozen as this release has them (0.1.0's, with the changes the README's "Changes" lists). tsc checks this file (`npx tsc -p tsconfig.json --noEmit`, part of
// `npm test`); at run time `expectTypeOf` does nothing, and the file loads no code of tabauth: the entries
// are declared from their types alone, and the calls that must (or must not) compile are never run.
// A failure here is a change of the public API: deliberate (then this file, the README and the version
// change with it) or a refactor's accident.
import type { QueryClient } from '@tanstack/react-query'
import type { AuthorizationServer } from 'oauth4webapi'
import type { ButtonHTMLAttributes, JSX, ReactNode } from 'react'
import { describe, expectTypeOf, it } from 'vitest'
import type {
  AuthClient,
  AuthConfig,
  AuthError,
  AuthErrorCode,
  AuthErrorOptions,
  AuthEvent,
  AuthProviderProps,
  AuthState,
  AuthStatus,
  Channel,
  Clock,
  InvalidGrantReason,
  KeyValueStorage,
  Lock,
  LoginOptions,
  LoginRequiredError,
  LoginResult,
  LogoutOptions,
  LogoutResult,
  Navigation,
  PageLifecycle,
  PopupSignIn,
  PopupWindow,
  RetryOptions,
  ServerMetadata,
  ServerTexts,
  Session,
  SessionRecord,
  SessionStore,
  TokenSet,
  UseAuthResult,
  User,
  UseTokenResult,
} from 'tabauth'
import type { DPoP, DPoPOptions, DPoPStore, MemoryDPoPOptions } from 'tabauth/dpop'
import type { FirstRenderHint, FirstRenderHintOptions } from 'tabauth/hint'
import type { Relogin, ReloginHandler, ReloginOptions } from 'tabauth/relogin'
import type { ServerClock } from 'tabauth/server-clock'
import type { RequireAuthProps } from 'tabauth/guard'
import type { MemoryOnlyOptions } from 'tabauth/memory-only'
import type { PopupContext, PopupOptions, PopupSignIn as PopupEntrySignIn, PopupWindow as PopupEntryWindow } from 'tabauth/popup'
import type { MockAuthClient, MockAuthClientOptions, MockCalls } from 'tabauth/testing'
import type { UserinfoReader } from 'tabauth/userinfo'

// The entries' values, by type only (see the top of the file).
declare const tabauth: typeof import('tabauth')
type Query = typeof import('tabauth/query')
declare const dpopEntry: typeof import('tabauth/dpop')
type Guard = typeof import('tabauth/guard')
declare const memoryOnly: typeof import('tabauth/memory-only')
declare const popupEntry: typeof import('tabauth/popup')
declare const userinfoEntry: typeof import('tabauth/userinfo')
declare const serverTextsEntry: typeof import('tabauth/server-texts')
type Testing = typeof import('tabauth/testing')
declare const hintEntry: typeof import('tabauth/hint')
declare const reloginEntry: typeof import('tabauth/relogin')
declare const serverClockEntry: typeof import('tabauth/server-clock')

/** Never called: its body is for tsc, with the calls that must compile and (`@ts-expect-error`) those that must not. */
function compileOnly(body: () => void) {
  void body
}

/** A union's members by their tag (`status` of AuthState, `type` of AuthEvent), each without its tag. */
type ByTag<U, K extends keyof U> = { [T in Tags<U, K>]: U extends unknown ? (T extends U[K] ? Omit<U, K> : never) : never }
type Tags<U, K extends keyof U> = U extends unknown ? U[K] & PropertyKey : never
type Nothing = Record<never, never>

describe('the value exports of every entry', () => {
  it('are these, no more and no fewer', () => {
    expectTypeOf<keyof typeof tabauth>().toEqualTypeOf<
      | 'createAuthClient'
      | 'AuthError'
      | 'LoginRequiredError'
      | 'isTransient'
      | 'invalidGrantHints'
      | 'memoryStore'
      | 'indexedDBStore'
      | 'inTabLock'
      | 'AuthProvider'
      | 'useAuth'
      | 'useToken'
      | 'useGetToken'
      | 'useAuthClient'
      | 'LoginButton'
      | 'LogoutButton'
    >()
    expectTypeOf<keyof Query>().toEqualTypeOf<'AuthQueryClientProvider' | 'useFetchJson' | 'connectQueryClient' | 'fetchJson' | 'HttpError' | 'authRetry'>()
    expectTypeOf<keyof typeof dpopEntry>().toEqualTypeOf<'dpop' | 'memoryDPoPStore'>()
    expectTypeOf<keyof Guard>().toEqualTypeOf<'RequireAuth' | 'useRequireAuth'>()
    expectTypeOf<keyof typeof memoryOnly>().toEqualTypeOf<'memoryOnlyStore'>()
    expectTypeOf<keyof typeof popupEntry>().toEqualTypeOf<'popup'>()
    expectTypeOf<keyof typeof userinfoEntry>().toEqualTypeOf<'userinfo'>()
    expectTypeOf<keyof typeof serverTextsEntry>().toEqualTypeOf<'serverTexts'>()
    expectTypeOf<keyof Testing>().toEqualTypeOf<'createMockAuthClient'>()
    expectTypeOf<keyof typeof hintEntry>().toEqualTypeOf<'firstRenderHint'>()
    expectTypeOf<keyof typeof reloginEntry>().toEqualTypeOf<'relogin'>()
    expectTypeOf<keyof typeof serverClockEntry>().toEqualTypeOf<'serverClock'>()
  })
})

describe('tabauth: state and events', () => {
  it('AuthState: what each status carries', () => {
    // The one place the statuses are written out: a new, renamed or split status fails this assertion,
    // and only this one. `outage` (the session kept while the refresh fails or is pending) was split
    // from `error` in this release.
    expectTypeOf<ByTag<AuthState, 'status'>>().toEqualTypeOf<{
      loading: Nothing
      signedOut: { error?: AuthError }
      redirecting: Nothing
      signedIn: { user?: User; accessToken?: string; expiresAt?: number; generation: number }
      outage: { user?: User; error: AuthError }
      reloginRequired: { user?: User; error: AuthError }
      error: { error: AuthError }
    }>()
    expectTypeOf<AuthStatus>().toEqualTypeOf<AuthState['status']>()
  })

  it('AuthEvent: what each event carries', () => {
    expectTypeOf<ByTag<AuthEvent, 'type'>>().toEqualTypeOf<{
      signedIn: { generation: number }
      refreshed: { generation: number }
      adopted: { generation: number }
      signedOut: { generation: number }
      reloginRequired: { generation: number; error: AuthError }
      misconfigured: { generation: number; error: AuthError }
      refreshFailed: { error: AuthError; retryInMs: number }
      logout: { result: LogoutResult }
      popupBlocked: Nothing
      popupClosed: { timedOut: boolean }
      channelMessageIgnored: Nothing
    }>()
  })
})

describe('tabauth: the client', () => {
  it('createAuthClient(config) returns an AuthClient', () => {
    expectTypeOf<typeof tabauth.createAuthClient>().toEqualTypeOf<(config: AuthConfig) => AuthClient>()
  })

  it('AuthClient: its methods, and what each returns', () => {
    expectTypeOf<keyof AuthClient>().toEqualTypeOf<'subscribe' | 'getSnapshot' | 'start' | 'login' | 'autoLogin' | 'logout' | 'getAccessToken' | 'fetch' | 'onEvent' | 'dispose'>()
    expectTypeOf<AuthClient['subscribe']>().toEqualTypeOf<(listener: () => void) => () => void>()
    expectTypeOf<AuthClient['getSnapshot']>().toEqualTypeOf<() => AuthState>()
    expectTypeOf<AuthClient['start']>().toEqualTypeOf<() => Promise<void>>()
    expectTypeOf<AuthClient['login']>().toEqualTypeOf<(options?: LoginOptions) => Promise<LoginResult>>()
    expectTypeOf<AuthClient['autoLogin']>().toEqualTypeOf<(options?: Omit<LoginOptions, 'popup'>) => Promise<void>>()
    expectTypeOf<AuthClient['logout']>().toEqualTypeOf<(options?: LogoutOptions) => Promise<LogoutResult>>()
    expectTypeOf<AuthClient['getAccessToken']>().toEqualTypeOf<() => Promise<string>>()
    expectTypeOf<AuthClient['fetch']>().toEqualTypeOf<(input: RequestInfo | URL, init?: RequestInit) => Promise<Response>>()
    expectTypeOf<AuthClient['onEvent']>().toEqualTypeOf<(listener: (event: AuthEvent) => void) => () => void>()
    expectTypeOf<AuthClient['dispose']>().toEqualTypeOf<() => void>()
  })

  it('login, logout: their options and results', () => {
    expectTypeOf<LoginResult>().toEqualTypeOf<'redirected' | 'signedIn' | 'closed' | 'timedOut' | 'blocked'>()
    expectTypeOf<LoginOptions>().toEqualTypeOf<{ returnTo?: string; authorizationParams?: Record<string, string>; popup?: boolean }>()
    expectTypeOf<LogoutOptions>().toEqualTypeOf<{ localOnly?: boolean }>()
    expectTypeOf<LogoutResult>().toEqualTypeOf<{
      revocation: 'revoked' | 'no_session' | 'no_endpoint' | 'refused' | 'failed'
      revoked: Array<'refresh_token' | 'access_token'>
      endSession: 'redirecting' | 'local_only' | 'no_endpoint' | 'failed'
      error?: AuthError
    }>()
  })

  it('AuthConfig: its options', () => {
    expectTypeOf<AuthConfig>().toEqualTypeOf<{
      issuer: string
      clientId: string
      scope?: string
      redirectUri?: string
      userinfo?: UserinfoReader
      postLogoutRedirectUri?: string
      authorizationParams?: Record<string, string>
      metadata?: Partial<ServerMetadata>
      expirySkewSeconds?: number
      requestTimeoutMs?: number
      lockTimeoutMs?: number
      retry?: RetryOptions
      relogin?: 'prompt' | Relogin
      reloginWindowSeconds?: number
      serverTexts?: ServerTexts
      codeLifetimeSeconds?: number
      debug?: boolean
      dpop?: DPoP
      serverClock?: ServerClock
      resourceServers?: string[]
      popup?: PopupSignIn
      onRedirectCallback?: (returnTo: string) => void
      fetch?: typeof fetch
      clock?: Clock
      store?: SessionStore
      transactionStorage?: KeyValueStorage
      hint?: FirstRenderHint
      lock?: Lock
      channel?: Channel
      navigation?: Navigation
      lifecycle?: PageLifecycle
    }>()
    expectTypeOf<RetryOptions>().toEqualTypeOf<{ attempts?: number; baseMs?: number; maxMs?: number }>()
    expectTypeOf<ServerMetadata>().toEqualTypeOf<AuthorizationServer>()
  })

  it('AuthConfig: what compiles, and what must not', () => {
    compileOnly(() => {
      const { createAuthClient } = tabauth
      const issuer = 'https://id.example.com'
      const clientId = 'spa'
      createAuthClient({ issuer, clientId })
      createAuthClient({
        issuer,
        clientId,
        scope: 'api offline_access',
        userinfo: userinfoEntry.userinfo(),
        metadata: { revocation_endpoint: `${issuer}/revoke` },
        retry: { attempts: 2 },
        relogin: reloginEntry.relogin({ redirect: true, waitMs: 30_000 }),
        serverTexts: serverTextsEntry.serverTexts,
        dpop: dpopEntry.dpop({ store: dpopEntry.memoryDPoPStore() }),
        serverClock: serverClockEntry.serverClock(),
        resourceServers: ['https://api.example.com/v2'],
        popup: popupEntry.popup(),
        onRedirectCallback: (returnTo) => void returnTo,
        store: memoryOnly.memoryOnlyStore(),
        hint: hintEntry.firstRenderHint(),
        lock: tabauth.inTabLock(),
      })
      createAuthClient({ issuer, clientId, store: tabauth.memoryStore() })
      createAuthClient({ issuer, clientId, store: tabauth.indexedDBStore() })
      // @ts-expect-error dpop takes dpop() from 'tabauth/dpop'; `dpop: true` was the option before its entry
      createAuthClient({ issuer, clientId, dpop: true })
      // @ts-expect-error userinfo takes userinfo() from 'tabauth/userinfo'
      createAuthClient({ issuer, clientId, userinfo: true })
      // @ts-expect-error popup takes popup() from 'tabauth/popup'
      createAuthClient({ issuer, clientId, popup: true })
      // @ts-expect-error serverTexts takes serverTexts from 'tabauth/server-texts'
      createAuthClient({ issuer, clientId, serverTexts: true })
      // @ts-expect-error clientId is required
      createAuthClient({ issuer })
      // @ts-expect-error relogin is 'prompt' or relogin() from 'tabauth/relogin'; 'redirect' was the option before its entry
      createAuthClient({ issuer, clientId, relogin: 'redirect' })
      // @ts-expect-error the wait is relogin({ waitMs }) of 'tabauth/relogin'
      createAuthClient({ issuer, clientId, reloginWaitMs: 1000 })
      // @ts-expect-error the hint is hint: firstRenderHint({ storage }) of 'tabauth/hint'
      createAuthClient({ issuer, clientId, hintStorage: null })
      // @ts-expect-error there is no such option
      createAuthClient({ issuer, clientId, storage: 'localStorage' })
    })
  })

  it('the adapters and the stored session', () => {
    expectTypeOf<Clock>().toEqualTypeOf<{ now(): number; setTimeout(fn: () => void, ms: number): () => void }>()
    expectTypeOf<KeyValueStorage>().toEqualTypeOf<{ get(key: string): string | null; set(key: string, value: string): void; remove(key: string): void }>()
    expectTypeOf<Lock>().toEqualTypeOf<{ run<T>(name: string, fn: () => Promise<T>, options: { signal: AbortSignal }): Promise<T>; readonly crossTab: boolean }>()
    expectTypeOf<Channel>().toEqualTypeOf<{ post(message: unknown): void; subscribe(listener: (message: unknown) => void): () => void }>()
    expectTypeOf<Navigation>().toEqualTypeOf<{ currentUrl(): string; assign(url: string): void; replace(url: string): void; close?(): void }>()
    expectTypeOf<PageLifecycle>().toEqualTypeOf<{ isVisible(): boolean; isOnline(): boolean; onWake(listener: () => void): () => void }>()
    expectTypeOf<PopupWindow>().toEqualTypeOf<{ readonly closed: boolean; navigate(url: string): void; close(): void }>()
    expectTypeOf<SessionStore>().toEqualTypeOf<{
      get(key: string): Promise<unknown>
      set(key: string, value: SessionRecord): Promise<void>
      subscribe?(listener: () => void): () => void
      readonly memoryOnly?: true
    }>()
    expectTypeOf<typeof tabauth.memoryStore>().toEqualTypeOf<() => SessionStore>()
    expectTypeOf<typeof tabauth.indexedDBStore>().toEqualTypeOf<() => SessionStore>()
    expectTypeOf<typeof tabauth.inTabLock>().toEqualTypeOf<() => Lock>()
    // The record every tab of every release reads: see compat.test.ts.
    expectTypeOf<Omit<SessionRecord, 'retry'>>().toEqualTypeOf<{
      v: 1
      generation: number
      session: Session | null
      ended?: 'signedOut' | 'reloginRequired'
      reasons?: InvalidGrantReason[]
      reloginClaimedAt?: number
    }>()
    expectTypeOf<NonNullable<SessionRecord['retry']>>().toEqualTypeOf<{
      failures: number
      at: number
      notBefore: number
      error: { code: 'NETWORK' | 'TIMEOUT' | 'SERVER_ERROR'; message: string; status?: number }
    }>()
    expectTypeOf<Session>().toEqualTypeOf<{ tokens: TokenSet; user?: User }>()
    expectTypeOf<TokenSet>().toEqualTypeOf<{
      accessToken: string
      tokenType: string
      refreshToken?: string
      idToken?: string
      expiresAt?: number
      refreshExpiresAt?: number
      issuedAt: number
      scope?: string
      jkt?: string
    }>()
    expectTypeOf<User>().toEqualTypeOf<{ sub: string; name?: string; email?: string; [claim: string]: unknown }>()
  })
})

describe('tabauth: errors', () => {
  it('AuthErrorCode and InvalidGrantReason: their members', () => {
    expectTypeOf<AuthErrorCode>().toEqualTypeOf<
      | 'CONFIG'
      | 'DISCOVERY_FAILED'
      | 'NETWORK'
      | 'TIMEOUT'
      | 'SERVER_ERROR'
      | 'INVALID_GRANT'
      | 'REFUSED'
      | 'REFRESH_PENDING'
      | 'LOGIN_REQUIRED'
      | 'AUTHORIZATION_ERROR'
      | 'STATE_MISMATCH'
      | 'ISSUER_MISMATCH'
      | 'TRANSACTION_MISSING'
      | 'TRANSACTION_EXPIRED'
      | 'INVALID_RESPONSE'
      | 'OAUTH_ERROR'
      | 'RELOGIN_LOOP'
      | 'DISPOSED'
    >()
    expectTypeOf<InvalidGrantReason>().toEqualTypeOf<
      | 'code_reused'
      | 'code_expired'
      | 'redirect_uri_mismatch'
      | 'pkce_mismatch'
      | 'client_mismatch'
      | 'refresh_token_revoked_or_expired'
      | 'refresh_token_reused'
      | 'refresh_token_lifetime_exceeded'
      | 'session_ended'
      | 'server_refused'
      | 'server_refused_without_reason'
      | 'token_response_unusable'
      | 'client_rejected'
      | 'no_refresh_token'
    >()
  })

  it('AuthError: an Error with a code, the server’s answer and the reasons', () => {
    expectTypeOf<typeof tabauth.AuthError>().constructorParameters.toEqualTypeOf<[code: AuthErrorCode, message: string, options?: AuthErrorOptions]>()
    expectTypeOf<AuthError>().toExtend<Error>()
    expectTypeOf<Omit<AuthError, keyof Error>>().toEqualTypeOf<{
      readonly code: AuthErrorCode
      readonly error?: string
      readonly errorDescription?: string
      readonly status?: number
      readonly reasons?: InvalidGrantReason[]
      readonly retryAfterMs?: number
      readonly contentType?: string
      readonly url?: string
      readonly reason: InvalidGrantReason | undefined
    }>()
    expectTypeOf<AuthErrorOptions>().toEqualTypeOf<{
      error?: string
      errorDescription?: string
      status?: number
      cause?: unknown
      reasons?: InvalidGrantReason[]
      retryAfterMs?: number
      contentType?: string
      url?: string
    }>()
  })

  it('LoginRequiredError: an AuthError (LOGIN_REQUIRED) with nothing more; isTransient, invalidGrantHints, ServerTexts', () => {
    expectTypeOf<typeof tabauth.LoginRequiredError>().constructorParameters.toEqualTypeOf<[message?: string, options?: AuthErrorOptions]>()
    expectTypeOf<LoginRequiredError>().toExtend<AuthError>()
    expectTypeOf<keyof LoginRequiredError>().toEqualTypeOf<keyof AuthError>()
    expectTypeOf<typeof tabauth.isTransient>().toEqualTypeOf<(error: unknown) => boolean>()
    expectTypeOf<typeof tabauth.invalidGrantHints>().toEqualTypeOf<Partial<Record<InvalidGrantReason, string>>>()
    expectTypeOf<ServerTexts>().toEqualTypeOf<(description: string | undefined) => InvalidGrantReason[] | undefined>()
  })
})

describe('tabauth: React', () => {
  it('useAuth, useToken, useGetToken, useAuthClient: their results', () => {
    expectTypeOf<typeof tabauth.useAuth>().toEqualTypeOf<() => UseAuthResult>()
    expectTypeOf<UseAuthResult>().toEqualTypeOf<{
      status: AuthStatus
      user?: User
      error?: AuthError
      login(options?: LoginOptions): Promise<LoginResult>
      logout(options?: LogoutOptions): Promise<LogoutResult>
    }>()
    expectTypeOf<typeof tabauth.useToken>().toEqualTypeOf<() => UseTokenResult>()
    expectTypeOf<UseTokenResult>().toEqualTypeOf<{ status: AuthStatus; accessToken?: string; expiresAt?: number; error?: AuthError }>()
    expectTypeOf<typeof tabauth.useGetToken>().toEqualTypeOf<() => () => Promise<string>>()
    expectTypeOf<typeof tabauth.useAuthClient>().toEqualTypeOf<() => AuthClient>()
  })

  it('AuthProvider takes a client or a config; the buttons take button attributes but not onClick or disabled', () => {
    expectTypeOf<typeof tabauth.AuthProvider>().toEqualTypeOf<(props: AuthProviderProps) => JSX.Element>()
    expectTypeOf<AuthProviderProps>().branded.toEqualTypeOf<({ client: AuthClient } | AuthConfig) & { children?: ReactNode }>()
    expectTypeOf<{ client: AuthClient; children: ReactNode }>().toExtend<AuthProviderProps>()
    expectTypeOf<{ issuer: string; clientId: string }>().toExtend<AuthProviderProps>()
    expectTypeOf<{ children: ReactNode }>().not.toExtend<AuthProviderProps>()

    type LoginButtonProps = Parameters<typeof tabauth.LoginButton>[0]
    type LogoutButtonProps = Parameters<typeof tabauth.LogoutButton>[0]
    expectTypeOf<ReturnType<typeof tabauth.LoginButton>>().toEqualTypeOf<JSX.Element | null>()
    expectTypeOf<ReturnType<typeof tabauth.LogoutButton>>().toEqualTypeOf<JSX.Element | null>()
    type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'disabled'> & { children?: ReactNode }
    expectTypeOf<LoginButtonProps>().toExtend<ButtonProps>()
    expectTypeOf<LogoutButtonProps>().toExtend<ButtonProps>()
    expectTypeOf<LoginButtonProps>().not.toHaveProperty('onClick')
    expectTypeOf<LoginButtonProps>().not.toHaveProperty('disabled')
    expectTypeOf<LogoutButtonProps>().not.toHaveProperty('onClick')
    expectTypeOf<LogoutButtonProps>().not.toHaveProperty('disabled')
    expectTypeOf<Pick<LoginButtonProps, 'returnTo' | 'popup'>>().toEqualTypeOf<{ returnTo?: string; popup?: boolean }>()
    expectTypeOf<Pick<LogoutButtonProps, 'localOnly'>>().toEqualTypeOf<{ localOnly?: boolean }>()
  })
})

describe('tabauth/query', () => {
  it('fetchJson, useFetchJson, HttpError, authRetry, connectQueryClient, AuthQueryClientProvider', () => {
    expectTypeOf<Query['fetchJson']>().toEqualTypeOf<<T = unknown>(client: AuthClient, input: RequestInfo | URL, init?: RequestInit) => Promise<T>>()
    expectTypeOf<Query['useFetchJson']>().toEqualTypeOf<() => <T = unknown>(input: RequestInfo | URL, init?: RequestInit) => Promise<T>>()
    expectTypeOf<Query['HttpError']>().constructorParameters.toEqualTypeOf<[response: Response]>()
    expectTypeOf<InstanceType<Query['HttpError']>>().toExtend<Error>()
    expectTypeOf<Omit<InstanceType<Query['HttpError']>, keyof Error>>().toEqualTypeOf<{ readonly status: number; readonly response: Response }>()
    expectTypeOf<Query['authRetry']>().toEqualTypeOf<(failureCount: number, error: unknown) => boolean>()
    expectTypeOf<Query['connectQueryClient']>().toEqualTypeOf<(queryClient: QueryClient, client: AuthClient) => () => void>()
    expectTypeOf<Query['AuthQueryClientProvider']>().toEqualTypeOf<(props: { client: QueryClient; children?: ReactNode }) => JSX.Element>()
  })
})

describe('the option entries', () => {
  it('tabauth/dpop: dpop() and its stores', () => {
    expectTypeOf<typeof dpopEntry.dpop>().toEqualTypeOf<(options?: DPoPOptions) => DPoP>()
    expectTypeOf<DPoPOptions>().toEqualTypeOf<{ store?: DPoPStore }>()
    expectTypeOf<typeof dpopEntry.memoryDPoPStore>().toEqualTypeOf<(options?: MemoryDPoPOptions) => DPoPStore & { dispose(): void }>()
    expectTypeOf<MemoryDPoPOptions>().toEqualTypeOf<{ channel?: Channel; answerWaitMs?: number; clock?: Clock }>()
    expectTypeOf<DPoPStore>().toEqualTypeOf<{
      keyPair(jkt?: string): Promise<CryptoKeyPair>
      newKeyPair(): Promise<CryptoKeyPair>
      clear(): Promise<void>
      nonce(origin: string): Promise<string | undefined>
      saveNonce(origin: string, nonce: string): Promise<void>
      dispose?(): void
    }>()
    expectTypeOf<keyof DPoP>().toEqualTypeOf<'bind'>()
    expectTypeOf<Parameters<DPoP['bind']>>().toEqualTypeOf<[key: string]>()
  })

  it('tabauth/guard: RequireAuth and useRequireAuth', () => {
    expectTypeOf<Guard['RequireAuth']>().toEqualTypeOf<(props: RequireAuthProps) => JSX.Element>()
    expectTypeOf<RequireAuthProps>().toEqualTypeOf<{
      children?: ReactNode
      fallback?: ReactNode
      renderError?: (error: AuthError) => ReactNode
      returnTo?: string
      signedOut?: ReactNode
    }>()
    expectTypeOf<Guard['useRequireAuth']>().parameters.toEqualTypeOf<[options?: { returnTo?: string }]>()
    expectTypeOf<Guard['useRequireAuth']>().returns.branded.toEqualTypeOf<UseAuthResult & { signedOutHere: boolean }>()
  })

  it('tabauth/memory-only, tabauth/popup, tabauth/userinfo, tabauth/server-texts', () => {
    expectTypeOf<typeof memoryOnly.memoryOnlyStore>().toEqualTypeOf<(options?: MemoryOnlyOptions) => SessionStore>()
    expectTypeOf<MemoryOnlyOptions>().toEqualTypeOf<{ channel?: Channel; answerWaitMs?: number; clock?: Clock }>()

    expectTypeOf<typeof popupEntry.popup>().toEqualTypeOf<(options?: PopupOptions) => PopupSignIn>()
    expectTypeOf<PopupOptions>().toEqualTypeOf<{ storage?: KeyValueStorage; open?: () => PopupWindow | null }>()
    expectTypeOf<PopupEntrySignIn>().toEqualTypeOf<PopupSignIn>()
    expectTypeOf<PopupEntryWindow>().toEqualTypeOf<PopupWindow>()
    expectTypeOf<keyof PopupSignIn>().toEqualTypeOf<'bind'>()
    expectTypeOf<keyof PopupContext>().toEqualTypeOf<'clock' | 'authorize' | 'fail' | 'state' | 'send' | 'emit' | 'onEvent' | 'sync' | 'hasSession'>()

    expectTypeOf<typeof userinfoEntry.userinfo>().toEqualTypeOf<() => UserinfoReader>()
    expectTypeOf<UserinfoReader>().returns.toEqualTypeOf<Promise<User>>()
    expectTypeOf<UserinfoReader>().parameter(1).toEqualTypeOf<string>()

    expectTypeOf<typeof serverTextsEntry.serverTexts>().toEqualTypeOf<ServerTexts>()
  })

  it('tabauth/hint and tabauth/relogin', () => {
    expectTypeOf<typeof hintEntry.firstRenderHint>().toEqualTypeOf<(options?: FirstRenderHintOptions) => FirstRenderHint>()
    expectTypeOf<FirstRenderHintOptions>().toEqualTypeOf<{ storage?: KeyValueStorage }>()
    expectTypeOf<keyof FirstRenderHint>().toEqualTypeOf<'bind'>()
    expectTypeOf<typeof reloginEntry.relogin>().toEqualTypeOf<(options?: ReloginOptions) => Relogin>()
    expectTypeOf<ReloginOptions>().toEqualTypeOf<{ redirect?: boolean; waitMs?: number }>()
    expectTypeOf<keyof Relogin>().toEqualTypeOf<'bind'>()
    expectTypeOf<ReloginHandler>().toEqualTypeOf<{ required(): void; wait(error: AuthError): Promise<string> }>()
  })

  it('tabauth/server-clock', () => {
    expectTypeOf<typeof serverClockEntry.serverClock>().toEqualTypeOf<() => ServerClock>()
    expectTypeOf<ServerClock>().toEqualTypeOf<(response: Response, local: number) => Promise<number | undefined>>()
  })
})

describe('tabauth/testing', () => {
  it('createMockAuthClient: an AuthClient with calls and the moves a test makes', () => {
    expectTypeOf<Testing['createMockAuthClient']>().toEqualTypeOf<(options?: MockAuthClientOptions) => MockAuthClient>()
    expectTypeOf<MockAuthClient>().toExtend<AuthClient>()
    expectTypeOf<Omit<MockAuthClient, keyof AuthClient>>().toEqualTypeOf<{
      readonly calls: MockCalls
      signIn(user?: User): void
      expire(): void
      endSession(reason?: InvalidGrantReason): void
      fail(error: AuthError): void
      setState(state: AuthState): void
    }>()
    expectTypeOf<MockAuthClientOptions>().toEqualTypeOf<{
      status?: AuthStatus
      user?: User
      error?: AuthError
      accessToken?: string
      expiresIn?: number
      fetch?: typeof fetch
      resourceServers?: string[]
    }>()
    expectTypeOf<keyof MockCalls>().toEqualTypeOf<Exclude<keyof AuthClient, 'getSnapshot'>>()
    expectTypeOf<MockCalls['login']>().toEqualTypeOf<Array<[options?: LoginOptions]>>()
  })
})
