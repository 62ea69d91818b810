import { issuer } from './auth'

/** The dev provider's protected resource (scripts/lib/notes.js): the signed-in user's notes. */
export const notesUrl = `${issuer.replace(/\/$/, '')}/notes`

export interface Notes {
  owner: string
  notes: Array<{ text: string; at: number }>
}
