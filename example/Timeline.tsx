import { useEffect, useState } from 'react'
import { client } from './auth'
import { describeEvent, entry, openTimelineChannel, thisTab, type TimelineEntry } from './timeline'

const KEEP = 30

/** Every tab's entries, newest first: this tab's client events plus what the other tabs posted. */
export function useTimeline(): TimelineEntry[] {
  const [entries, setEntries] = useState<TimelineEntry[]>([])
  useEffect(() => {
    const add = (e: TimelineEntry) => setEntries((previous) => [e, ...previous.filter((p) => p.id !== e.id)].slice(0, KEEP))
    const channel = openTimelineChannel(add)
    const record = (e: TimelineEntry) => {
      add(e)
      channel.post(e)
    }
    // The tab's first answer from the store: a new tab that finds a session makes no token request.
    // Left out when an event came with it (a sign-in callback says "signed in here").
    let evented = false
    let opened: ReturnType<typeof setTimeout> | undefined
    const stopEvents = client.onEvent((event) => {
      evented = true
      const text = describeEvent(event)
      if (text) record(entry(text, 'generation' in event ? event.generation : undefined))
    })
    const noteOpened = () => {
      if (opened !== undefined || client.getSnapshot().status === 'loading') return
      opened = setTimeout(() => {
        const state = client.getSnapshot()
        if (evented) return
        record(state.status === 'signedIn' ? entry('opened: found the session in the store (no request)', state.generation) : entry(`opened: ${state.status}`))
      })
    }
    const stopState = client.subscribe(noteOpened)
    noteOpened()
    return () => {
      clearTimeout(opened)
      stopEvents()
      stopState()
      channel.close()
    }
  }, [])
  return entries
}

/** The live timeline of every open tab of the demo. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  return (
    <section className="panel timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline of every tab</h2>
      <p className="hint">
        This is <strong>{thisTab}</strong>. Each tab posts what its client did on the demo&apos;s own BroadcastChannel.
      </p>
      <ol data-testid="timeline" aria-live="polite">
        {entries.length ? (
          entries.map((e) => (
            <li key={e.id} className={e.tab === thisTab ? 'here' : 'other'}>
              <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time>
              <span className="tab">{e.tab}</span>
              <span>
                {e.text}
                {e.generation !== undefined && <span className="generation"> · generation {e.generation}</span>}
              </span>
            </li>
          ))
        ) : (
          <li>nothing yet</li>
        )}
      </ol>
    </section>
  )
}
