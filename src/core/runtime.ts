/**
 * What the flows share: the resolved configuration, the committed model, the one way to change it
 * (`send`), and timers that `dispose()` stops.
 */
import type { Resolved } from './config'
import type { Message, Model } from './machine'
import type { AuthEvent } from './types'

export interface Runtime {
  c: Resolved
  model(): Model
  /** Runs `transition`, commits, notifies, re-arms the wake-up, runs the effects. Ignored after dispose(). */
  send(message: Message): void
  onEvent(listener: (event: AuthEvent) => void): () => void
  /** A timer on the client's clock, stopped by dispose(). Returns its cancel function. */
  later(fn: () => void, ms: number): () => void
  /** Resolves after `ms`; rejects with DISPOSED when the client is disposed first. */
  sleep(ms: number): Promise<void>
  /** Throws DISPOSED once the client is disposed. */
  live(): void
}
