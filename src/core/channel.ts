/**
 * Messages between tabs. A message only says "generation N of this session was
 * written" (the same N again: its retry schedule was); receivers read the session
 * itself from the store, so a message can never inject tokens. Anything else on
 * the channel is ignored.
 */
export const CHANNEL_NAME = 'tabauth'

export interface SessionMessage {
  tabauth: 1
  type: 'session'
  key: string
  generation: number
}

export function sessionMessage(key: string, generation: number): SessionMessage {
  return { tabauth: 1, type: 'session', key, generation }
}

/** 'foreign' is a valid message for another issuer/client on the same origin. */
export function parseMessage(raw: unknown, key: string): SessionMessage | 'foreign' | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const message = raw as Record<string, unknown>
  if (message.tabauth !== 1 || message.type !== 'session' || typeof message.key !== 'string') return undefined
  if (!Number.isSafeInteger(message.generation) || (message.generation as number) < 0) return undefined
  return message.key === key ? (message as unknown as SessionMessage) : 'foreign'
}
