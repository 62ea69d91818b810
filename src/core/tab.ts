/**
 * The tab's wiring: what reaches it from outside (another tab's message on the channel, a store
 * that learns of changes by itself, the page waking up). Returns the function that undoes it all.
 */
import { parseMessage } from './channel'
import type { Runtime } from './runtime'

export interface TabFlows {
  /** Re-read the store and adopt a newer generation. */
  sync(): Promise<void>
  /** Re-read the record once any refresh in flight has ended (another tab's failure wrote the shared schedule). */
  settle(): Promise<void>
  /** After a wake-up: refresh if this tab is visible and its token stale or its refresh failing. */
  afterWake(): void
}

export function wireTab(rt: Runtime, flows: TabFlows): () => void {
  const { channel, key, session, lifecycle } = rt.c
  const stops = [
    channel.subscribe((raw) => {
      const message = parseMessage(raw, key)
      if (message === undefined) return rt.send({ type: 'channelMessageIgnored', message: raw })
      if (message === 'foreign') return
      const { record } = rt.model()
      if (message.generation > record.generation) void flows.sync()
      // The same generation again: another tab's refresh failed and it wrote the shared schedule.
      else if (message.generation === record.generation && record.session) void flows.settle()
    }),
    session.store.subscribe?.(() => void flows.sync()) ?? (() => {}),
    // Visible again, back online, resumed from freeze or the back/forward cache: this tab may hold an old generation.
    lifecycle.onWake(() => {
      rt.send({ type: 'woke' })
      void flows.sync().then(() => {
        rt.send({ type: 'awake' })
        flows.afterWake()
      })
    }),
  ]
  return () => stops.forEach((stop) => stop())
}
