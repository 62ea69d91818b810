import { useQuery } from '@tanstack/react-query'
import { useAuth } from 'tabauth'
import { useFetchJson } from 'tabauth/query'
import { notesUrl, type Notes } from './notes'

/** The user's notes through tabauth/query: disabled until signed in, gone from the screen on sign-out or a user switch. */
export function DataView() {
  const fetchJson = useFetchJson()
  const { status } = useAuth()
  const { data, error, isFetching } = useQuery({
    queryKey: ['notes'],
    queryFn: ({ signal }) => fetchJson<Notes>(notesUrl, { signal }),
  })
  return (
    <section>
      <h2>Notes {isFetching && <small>{status === 'reloginRequired' ? '(waiting for the new session…)' : status === 'outage' ? '(waiting for a new access token…)' : '(loading…)'}</small>}</h2>
      {data ? (
        <ul data-testid="notes" data-owner={data.owner}>
          {data.notes.map((note, index) => (
            <li key={index}>{note.text}</li>
          ))}
        </ul>
      ) : (
        <p data-testid="no-notes">No notes on screen.</p>
      )}
      {error && <p className="error">{error.message}</p>}
    </section>
  )
}
