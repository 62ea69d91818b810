// Unbounded in-memory storage adapter for oidc-provider, one store per provider instance.
//
// Why not oidc-provider's built-in MemoryAdapter: it is an LRU of ~1000 entries shared by the
// whole process, so long test runs evict consumed refresh tokens and a reused refresh token then
// answers "not found" instead of revoking the grant (see /work/shared/TOOLCHAIN.md).
//
// Usage: `const store = createStore(); new Provider(issuer, { adapter: store.adapterFor, ... })`.

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'])

export function createStore() {
  /** model name -> Map(id -> { payload, expiresAt }) */
  const models = new Map()
  const modelMap = (name) => {
    let map = models.get(name)
    if (!map) models.set(name, (map = new Map()))
    return map
  }

  class MemoryAdapter {
    constructor(name) {
      this.name = name
      this.map = modelMap(name)
    }

    async upsert(id, payload, expiresIn) {
      const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity
      this.map.set(id, { payload, expiresAt })
    }

    async find(id) {
      const entry = this.map.get(id)
      if (!entry) return undefined
      if (entry.expiresAt <= Date.now()) {
        this.map.delete(id)
        return undefined
      }
      return entry.payload
    }

    // Secondary lookups scan the model's map: the store only ever holds test-sized data.
    async findByUid(uid) {
      for (const [id, { payload }] of this.map) if (payload.uid === uid) return this.find(id)
      return undefined
    }

    async findByUserCode(userCode) {
      for (const [id, { payload }] of this.map) if (payload.userCode === userCode) return this.find(id)
      return undefined
    }

    async consume(id) {
      const entry = this.map.get(id)
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000)
    }

    async destroy(id) {
      this.map.delete(id)
    }

    async revokeByGrantId(grantId) {
      if (!GRANTABLE.has(this.name)) return
      for (const [id, { payload }] of this.map) if (payload.grantId === grantId) this.map.delete(id)
    }
  }

  return {
    // oidc-provider calls `new adapterFor(name)` because it is a class.
    adapterFor: MemoryAdapter,
    /** All live payloads of a model (used by the test-control API to find a user's grants). */
    all(name) {
      const now = Date.now()
      return [...modelMap(name).entries()].filter(([, e]) => e.expiresAt > now).map(([id, e]) => ({ id, payload: e.payload }))
    },
    /** Revoke every token of a grant and delete the grant itself. */
    revokeGrant(grantId) {
      for (const name of GRANTABLE) {
        const map = models.get(name)
        if (!map) continue
        for (const [id, { payload }] of map) if (payload.grantId === grantId) map.delete(id)
      }
      models.get('Grant')?.delete(grantId)
    },
  }
}
