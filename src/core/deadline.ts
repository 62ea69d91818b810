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
 * its task queued behind the timer's: the timer gives it this long before it aborts.
 */
const FROZEN_LATENESS_MS = 1_000
const FROZEN_GRACE_MS = 1_000

export class Deadline {
  private readonly controller = new AbortController()
  private cancel: (() => void) | undefined
  /** Set once the server's answer (its headers) arrived. */
  answer: { status: number; contentType: string | null } | undefined

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {
    this.arm(timeoutMs)
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** The headers are in: from now on only the body's read is bounded, by a full timeout of its own. */
  answered(response: Response): void {
    this.answer = { status: response.status, contentType: response.headers.get('content-type') }
    this.arm(this.timeoutMs)
  }

  /** The response was read (or the request failed): nothing left to bound. */
  stop(): void {
    this.cancel?.()
    this.cancel = undefined
  }

  private arm(ms: number, graced = false): void {
    this.stop()
    const due = this.clock.now() + ms
    this.cancel = this.clock.setTimeout(() => {
      if (!graced && this.clock.now() - due > FROZEN_LATENESS_MS) return this.arm(FROZEN_GRACE_MS, true)
      this.controller.abort(new DOMException(`No answer within ${this.timeoutMs} ms.`, 'TimeoutError'))
    }, ms)
  }
}
