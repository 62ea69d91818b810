import { useState } from 'react'
import { DataView } from './DataView'
import { DemoActions } from './DemoActions'
import { NoteForm } from './NoteForm'
import { Protected } from './Protected'
import { ReloginPolicy } from './ReloginPolicy'
import { SessionPanel } from './SessionPanel'
import { Timeline, useTimeline } from './Timeline'
import { TokenRequests } from './TokenRequests'

export function App() {
  const entries = useTimeline()
  // Re-read the provider's counts after every timeline entry and every action.
  const [actions, setActions] = useState(0)
  return (
    <>
      <header>
        <h1>tabauth demo</h1>
        <p>
          One session for every tab: when the access token runs out, one tab refreshes it and the others take the new token from it, so the provider sees one token request per expiry. A dead grant
          ends in one calm &ldquo;Sign in again&rdquo;.
        </p>
      </header>
      {/* Placed by grid areas (styles.css): two columns on a wide screen, this order on a phone. */}
      <main className="grid">
        {/* /protected: the route guard's page takes the place of this tab's session details. */}
        <SessionPanel>{location.pathname === '/protected' ? <Protected /> : undefined}</SessionPanel>
        <TokenRequests refreshKey={`${entries[0]?.id}/${actions}`} />
        <Timeline entries={entries} />
        <DemoActions onDone={() => setActions((n) => n + 1)} />
        <section className="panel notes">
          <DataView />
          <NoteForm />
        </section>
        <ReloginPolicy />
      </main>
    </>
  )
}
