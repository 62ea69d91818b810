/**
 * Memory-only mode: the session never touches Web Storage or IndexedDB. Each tab
 * keeps it in memory; every write is sent to the other tabs over a
 * BroadcastChannel, and a tab that reads first asks the open tabs for theirs.
 *
 * Limits (documented in the README): closing the last tab ends the session; a
 * reload of the only tab ends it too; reads wait `answerWaitMs` for the other
 * tabs' answers, and a tab that is frozen or busy longer than that may hold the
 * only newest copy, so a refresh can then present an already rotated token.
 */
import { browserChannel, browserClock, type Channel, type Clock } from './adapters'
import { isObject, parseRecord, type SessionRecord, type SessionStore } from './store'

export interface MemoryOnlyOptions {
  channel?: Channel
  /** How long a read waits for the other tabs to answer. Default 50 ms. */
  answerWaitMs?: number
  clock?: Clock
}

/** `dispose()` leaves the channel: this tab then neither answers nor hears the others (its clients must be done). */
export function memoryOnlyStore(options: MemoryOnlyOptions = {}): SessionStore & { dispose(): void } {
  const channel = options.channel ?? browserChannel('tabauth:memory')
  const answerWaitMs = options.answerWaitMs ?? 50
  const records = new Map<string, SessionRecord>()
  const listeners = new Set<() => void>()

  /** Keeps the newest record per key; equal generations may carry bookkeeping (a re-login claim, the retry schedule). */
  function keep(key: string, record: SessionRecord) {
    const current = records.get(key)
    if (current && record.generation < current.generation) return
    // Nothing new (tabs answer every request): stay quiet, or answers would trigger requests forever.
    if (current && record.generation === current.generation && sameBookkeeping(record, current)) return
    records.set(key, record)
    listeners.forEach((listener) => listener())
  }

  const leave = channel.subscribe((raw) => {
    if (!isObject(raw) || raw.tabauth !== 1 || typeof raw.key !== 'string') return // foreign: ignore
    if (raw.type === 'request') {
      const record = records.get(raw.key)
      if (record) channel.post({ tabauth: 1, type: 'record', key: raw.key, record })
    } else if (raw.type === 'record') {
      const record = parseRecord(raw.record)
      if (record) keep(raw.key, record)
    }
  })

  return {
    async get(key) {
      channel.post({ tabauth: 1, type: 'request', key })
      await new Promise<void>((resolve) => (options.clock ?? browserClock).setTimeout(resolve, answerWaitMs))
      return records.get(key)
    },
    async set(key, value) {
      records.set(key, value) // written under the lock: authoritative
      channel.post({ tabauth: 1, type: 'record', key, record: value })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    dispose() {
      leave()
      listeners.clear()
    },
  }
}

function sameBookkeeping(a: SessionRecord, b: SessionRecord): boolean {
  return a.reloginClaimedAt === b.reloginClaimedAt && a.retry?.notBefore === b.retry?.notBefore && a.retry?.failures === b.retry?.failures
}
