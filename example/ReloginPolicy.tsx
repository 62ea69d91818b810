import { relogin, RELOGIN_KEY } from './auth'

/** The `relogin` option is read once, when the client is created: store the choice and reload. */
export function ReloginPolicy() {
  return (
    <section className="panel policy">
      <label>
        When the session ends at the provider:{' '}
        <select
          data-testid="relogin-policy"
          value={relogin}
          onChange={(event) => {
            localStorage.setItem(RELOGIN_KEY, event.target.value)
            location.reload()
          }}
        >
          <option value="prompt">show &lsquo;Sign in again&rsquo;</option>
          <option value="redirect">redirect once</option>
        </select>
      </label>
    </section>
  )
}
