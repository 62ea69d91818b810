// A tiny protected resource for the demo and the e2e tests: each user's notes, behind the
// provider's access tokens (checked against the provider's own token store, so a revoked grant's
// access token is refused at once). Mounted on the provider's server at /notes.
//
//   GET  /notes                 -> { owner, notes: [{ text, at }] }
//   POST /notes { text }        -> 201 { owner, note }
//   no or dead token            -> 401, WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3.1)

/** Notes every user starts with, so a screen shows whose data it holds. */
const SEED = { alice: ["Alice's first note"], bob: ["Bob's first note"] }

export function notesResource({ provider, appOrigins, count }) {
  const notes = new Map(Object.entries(SEED).map(([sub, texts]) => [sub, texts.map((text) => ({ text, at: 0 }))]))

  return async function notesMiddleware(ctx, next) {
    if (ctx.path !== '/notes') return next()
    const origin = ctx.get('Origin')
    if (origin && appOrigins.includes(origin)) {
      ctx.set('Access-Control-Allow-Origin', origin)
      ctx.set('Access-Control-Expose-Headers', 'WWW-Authenticate')
      ctx.vary('Origin')
    }
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'GET, POST')
      ctx.set('Access-Control-Allow-Headers', 'authorization, content-type')
      ctx.status = 204
      return
    }
    ctx.set('Cache-Control', 'no-store')
    const value = /^Bearer (.+)$/i.exec(ctx.get('Authorization'))?.[1]
    const token = value ? await provider.AccessToken.find(value) : undefined
    if (!token) {
      count('rejected')
      ctx.status = 401
      ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"')
      return
    }
    const sub = token.accountId
    const mine = notes.get(sub) ?? []
    notes.set(sub, mine)
    if (ctx.method === 'POST') {
      const body = JSON.parse((await readBody(ctx.req)) || '{}')
      if (typeof body.text !== 'string' || !body.text.trim()) {
        ctx.status = 400
        ctx.body = { error: 'text is required' }
        return
      }
      const note = { text: body.text, at: Date.now() }
      mine.push(note)
      count('saved')
      ctx.status = 201
      ctx.body = { owner: sub, note }
      return
    }
    count('read')
    ctx.body = { owner: sub, notes: mine }
  }
}

async function readBody(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}
