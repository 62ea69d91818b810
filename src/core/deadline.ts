/**
 * The bound on one request to the authorization server. It bounds the wait for
 * the server's answer, not the reading of an answer that has come: once the
 * headers are in, the body gets a bound of its own, counted from then. A token
 * response that arrived may hold a rotated refresh token, and the one we sent is
 * spent; aborting its read would lose the session for every tab.
 */
import type { Clock } from './adapters'

/**
 * A timer that fires this much later than it was due ran in a tab that was frozen
 * (debugger, a suspended or sleeping device). An answer may have arrived meanwhile,
 * its task queued behind the timer's: the timer gives it as long again before it aborts.
 */
const FROZEN_MS = 1_000

export interface Deadline {
  readonly signal: AbortSignal
  /** Set once the server's answer (its headers) arrived. */
  answer?: { status: number; contentType: string | null }
  /** The headers are in: from now on only the body's read is bounded, by a full timeout of its own. */
  answered(response: Response): void
  /** The request is over: nothing left to bound, and a body nobody read (a 5xx's) is cancelled. */
  stop(): void
}

export function deadline(clock: Clock, timeoutMs: number): Deadline {
  const controller = new AbortController()
  let cancel = () => {}
  const arm = (ms: number, graced = false) => {
    cancel()
    const due = clock.now() + ms
    cancel = clock.setTimeout(() => {
      if (!graced && clock.now() - due > FROZEN_MS) arm(FROZEN_MS, true)
      else controller.abort(new DOMException('', 'TimeoutError'))
    }, ms)
  }
  arm(timeoutMs)
  let unread: Response | undefined
  const bound: Deadline = {
    signal: controller.signal,
    answered(response) {
      unread = response
      bound.answer = { status: response.status, contentType: response.headers.get('content-type') }
      arm(timeoutMs)
    },
    stop() {
      cancel()
      // Left open, it holds the connection, and the request never ends for the browser (or a test waiting for idle).
      if (unread && !unread.bodyUsed) unread.body?.cancel().catch(() => {})
    },
  }
  return bound
}
