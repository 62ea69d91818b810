/**
 * `tabauth/memory-only`: `createAuthClient({ store: memoryOnlyStore() })`. An entry of its own, like
 * `tabauth/dpop`, so that apps with the default IndexedDB store ship none of it.
 *
 * Memory-only mode: the session never touches Web Storage or IndexedDB. Each tab
 * keeps it in memory; every write is sent to the other tabs over a
 * BroadcastChannel, and a tab that reads first asks the open tabs for theirs.
 *
 * Limits (documented in the README): closing the last tab ends the session; a
 * reload of the only tab ends it too; reads wait `answerWaitMs` for the other
 * tabs' answers, and a tab that is frozen or busy longer than that may hold the
 * only newest copy, so a refresh can then present an already rotated token.
 *
 * A tab's store listens on the channel while a client is subscribed to it (from the client's
 * `start()` to its `dispose()`) and while a read waits for answers: a disposed client leaves nothing
 * behind, and a store made but never used (a prop evaluated at each render) never listens.
 */
import { browserChannel, browserClock, type Channel, type Clock } from '../core/adapters'
import { isObject, parseRecord, type SessionRecord, type SessionStore } from '../core/store'

export interface MemoryOnlyOptions {
  channel?: Channel
  /** How long a read waits for the other tabs to answer. Default 50 ms. */
  answerWaitMs?: number
  /** What that wait is timed on. Default the browser's. */
  clock?: Clock
}

export function memoryOnlyStore(options: MemoryOnlyOptions = {}): SessionStore {
  const channel = options.channel ?? browserChannel('tabauth:memory')
  const answerWaitMs = options.answerWaitMs ?? 50
  const clock = options.clock ?? browserClock
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

  function onMessage(raw: unknown) {
    if (!isObject(raw) || raw.tabauth !== 1 || typeof raw.key !== 'string') return // foreign: ignore
    if (raw.type === 'request') {
      const record = records.get(raw.key)
      if (record) channel.post({ tabauth: 1, type: 'record', key: raw.key, record })
    } else if (raw.type === 'record') {
      const record = parseRecord(raw.record)
      if (record) keep(raw.key, record)
    }
  }
  const listen = whileHeld(() => channel.subscribe(onMessage))
  // Written to with no client ever subscribed (a store used on its own): it answers for what it holds until one is.
  let onItsOwn: (() => void) | undefined
  let hadClient = false

  return {
    memoryOnly: true,
    async get(key) {
      const release = listen() // the answers come over the channel
      try {
        channel.post({ tabauth: 1, type: 'request', key })
        await new Promise<void>((resolve) => clock.setTimeout(resolve, answerWaitMs))
        return records.get(key)
      } finally {
        release()
      }
    },
    async set(key, value) {
      records.set(key, value) // written under the lock: authoritative
      if (!hadClient) onItsOwn ??= listen()
      channel.post({ tabauth: 1, type: 'record', key, record: value })
    },
    subscribe(listener) {
      listeners.add(listener)
      const release = listen()
      hadClient = true
      onItsOwn?.()
      return () => {
        listeners.delete(listener)
        release()
      }
    },
  }
}

/** `start` runs while anything holds it: the first hold starts it, the last release stops it. Each release counts once. */
function whileHeld(start: () => () => void): () => () => void {
  let holders = 0
  let stop = () => {}
  return () => {
    if (holders++ === 0) stop = start()
    let held = true
    return () => {
      if (!held) return
      held = false
      if (--holders === 0) stop()
    }
  }
}

function sameBookkeeping(a: SessionRecord, b: SessionRecord): boolean {
  return a.reloginClaimedAt === b.reloginClaimedAt && a.retry?.notBefore === b.retry?.notBefore && a.retry?.failures === b.retry?.failures
}
