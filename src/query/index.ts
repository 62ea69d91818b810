export { AuthQueryClientProvider, useFetchJson } from './AuthQueryClientProvider'
export { connectQueryClient } from './connect'
export { fetchJson, HttpError } from './fetchJson'
export { authRetry } from './retry'
