import type { Clock } from './adapters'

/** One re-armable timer on the client's clock (the wake-up rules are in timing.ts). */
export class Timer {
  private cancel: (() => void) | undefined
  /** When the armed timer fires; Infinity when none is armed. */
  at = Number.POSITIVE_INFINITY

  constructor(private readonly clock: Clock) {}

  /** Replaces any armed timer with one at `at` (ms since the epoch); Infinity arms none. An unchanged time keeps the armed timer. */
  set(at: number, fn: () => void): void {
    if (at === this.at && this.cancel) return
    this.clear()
    const delay = at - this.clock.now()
    if (!Number.isFinite(delay)) return
    this.at = at
    this.cancel = this.clock.setTimeout(
      () => {
        this.cancel = undefined
        this.at = Number.POSITIVE_INFINITY
        fn()
      },
      Math.min(Math.max(delay, 0), 2 ** 31 - 1),
    )
  }

  clear(): void {
    this.cancel?.()
    this.cancel = undefined
    this.at = Number.POSITIVE_INFINITY
  }
}
