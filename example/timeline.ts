import type { AuthEvent } from 'tabauth'

/** One line of the timeline: what one tab's client did. */
export interface TimelineEntry {
  id: string
  at: number
  tab: string
  text: string
  generation?: number
}

// The demo's own channel (not the library's): each tab posts what its client did, so every tab shows every tab.
const CHANNEL = 'tabauth-demo:timeline'
const TAB_KEY = 'tabauth-demo:tab'
const COUNTER_KEY = 'tabauth-demo:tabs'

/** "Tab 1", "Tab 2", …: a name per tab that survives its reloads (sessionStorage is per tab). */
function tabName(): string {
  let name = sessionStorage.getItem(TAB_KEY)
  if (!name) {
    const n = Number(localStorage.getItem(COUNTER_KEY) ?? 0) + 1
    localStorage.setItem(COUNTER_KEY, String(n))
    name = `Tab ${n}`
    sessionStorage.setItem(TAB_KEY, name)
  }
  return name
}

export const thisTab = tabName()

let signingOutHere = false
/** Called when this tab's "Sign out" is clicked, so its own signedOut event reads "signed out here". */
export const markSignOutHere = () => (signingOutHere = true)

/** The timeline's words for an event, or undefined for events the timeline leaves out. */
export function describeEvent(event: AuthEvent): string | undefined {
  switch (event.type) {
    case 'signedIn':
      return 'signed in here'
    case 'refreshed':
      return 'refreshed here: the one token request for every tab'
    case 'adopted':
      return 'adopted the token from another tab (no request)'
    case 'signedOut':
      return signingOutHere ? 'signed out here' : 'signed out in another tab'
    case 'reloginRequired':
      return `re-login required: ${event.error.reason ?? event.error.code}`
    case 'refreshFailed':
      return `refresh failed (${event.error.code}), next try in ${Math.round(event.retryInMs / 1000)} s`
    case 'popupBlocked':
      return 'the sign-in popup was blocked'
    case 'popupClosed':
      return event.timedOut ? 'the sign-in popup timed out' : 'the sign-in popup was closed'
    default:
      return undefined
  }
}

let sequence = 0
/** An entry of this tab. */
export function entry(text: string, generation?: number): TimelineEntry {
  sequence += 1
  return { id: `${thisTab}:${Date.now()}:${sequence}`, at: Date.now(), tab: thisTab, text, generation }
}

function isEntry(value: unknown): value is TimelineEntry {
  const v = value as TimelineEntry
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.at === 'number' && typeof v.tab === 'string' && typeof v.text === 'string'
}

/** Posts this tab's entries to the other tabs and hands theirs to `receive`; returns the way to post and to close. */
export function openTimelineChannel(receive: (entry: TimelineEntry) => void) {
  const channel = new BroadcastChannel(CHANNEL)
  channel.onmessage = ({ data }) => isEntry(data) && receive(data)
  return { post: (e: TimelineEntry) => channel.postMessage(e), close: () => channel.close() }
}
