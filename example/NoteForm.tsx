import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useFetchJson } from 'tabauth/query'
import { notesUrl } from './notes'

/** A form whose save waits through a re-login: the text stays typed, the save runs with the new token. */
export function NoteForm() {
  const fetchJson = useFetchJson()
  const queryClient = useQueryClient()
  const [text, setText] = useState('')
  const save = useMutation({
    mutationFn: (note: string) => fetchJson(notesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: note }) }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['notes'] }),
  })
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        save.mutate(text)
      }}
    >
      <label>
        New note <textarea data-testid="note-input" value={text} onChange={(event) => setText(event.target.value)} rows={2} />
      </label>{' '}
      <button type="submit" disabled={save.isPending || !text.trim()}>
        Save note
      </button>{' '}
      <output data-testid="note-status">{save.isPending ? 'Saving…' : save.isSuccess ? 'Saved' : save.error ? `Error: ${save.error.message}` : ''}</output>
    </form>
  )
}
