/**
 * `tabauth/guard`: route guards. An entry of its own, like `tabauth/query`, so that an app that guards
 * its routes with its router (or not at all) ships none of it.
 */
export { RequireAuth, useRequireAuth } from './RequireAuth'
export type { RequireAuthProps } from './RequireAuth'
