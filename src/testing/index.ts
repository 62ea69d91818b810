export { createMockAuthClient } from './mockAuthClient'
export type { MockAuthClient, MockAuthClientOptions, MockCalls } from './mockAuthClient'
