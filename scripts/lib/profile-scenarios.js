// The core scenarios the profile matrix (scripts/profiles.js) runs against every server profile. Each
// takes { browser, appUrl, op, profile, server } and returns the provider's counts it saw:
// { refresh, invalidGrant, ownInvalidGrant } (ownInvalidGrant: invalid_grant answers beyond the one a
// scenario provokes on purpose by revoking the grant; must be 0).

/** Every page starts hidden (no refresh on its own timer) and is pointed at the profile's server. */
function instrument(server) {
  localStorage.setItem('tabauth-demo:server', JSON.stringify(server));
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
}

async function openContext(env, server = env.server) {
  const context = await env.browser.newContext();
  context.setDefaultTimeout(15_000);
  await context.addInitScript(instrument, server);
  return context;
}

async function text(page, testId) {
  try {
    return (await page.getByTestId(testId).textContent({ timeout: 2_000 })) ?? undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(fn, until, message, timeout = 15_000, describe = async () => '') {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (until(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}; last: ${JSON.stringify(value)} ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForStatus(page, wanted, timeout) {
  return waitFor(async () => (await text(page, 'status')) ?? '', (s) => s === wanted, `status ${wanted}`, timeout, async () => `(page shows ${await text(page, 'error')})`);
}

async function openApp(context, env) {
  const page = await context.newPage();
  await page.goto(env.appUrl);
  await waitForStatus(page, 'signedOut');
  return page;
}

async function signIn(page) {
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await waitForStatus(page, 'signedIn', 30_000);
}

/** `count` tabs of one context, signed in on the first with access tokens of `ttl` seconds. */
async function signedInTabs(env, count, ttl) {
  const context = await openContext(env);
  const tabs = [];
  for (let i = 0; i < count; i++) tabs.push(await openApp(context, env));
  await env.op.settings({ accessTokenTtl: ttl });
  await signIn(tabs[0]);
  await Promise.all(tabs.map((tab) => waitForStatus(tab, 'signedIn')));
  return { context, tabs };
}

const snapshot = (tab) => tab.evaluate(() => window.tabauth.getSnapshot()).then((s) => ({ status: s.status, accessToken: s.accessToken, expiresAt: s.expiresAt }));

async function untilExpired(tabs) {
  const expiries = (await Promise.all(tabs.map(snapshot))).map((s) => s.expiresAt ?? 0);
  const wait = Math.max(...expiries) + 50 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** getAccessToken() `times` times in every tab at one instant; each result a token or `error: CODE`. */
function tokensAtOnce(tabs, times) {
  const at = Date.now() + 300;
  return Promise.all(tabs.map((tab) => tab.evaluate(async ({ at, times }) => {
    await new Promise((resolve) => setTimeout(resolve, at - Date.now()));
    return Promise.all(Array.from({ length: times }, () => window.tabauth.getAccessToken().catch((e) => `error: ${e.code ?? e.message}`)));
  }, { at, times })));
}

async function sameToken(tabs, other) {
  const all = await waitFor(() => Promise.all(tabs.map(snapshot)), (s) => s.every((x) => x.status === 'signedIn' && x.accessToken && x.accessToken === s[0].accessToken && x.accessToken !== other), 'every tab to hold the same new token', 10_000);
  return all[0].accessToken;
}

function stats(c, provoked = 0) {
  const invalidGrant = c.errors.filter((e) => e.error === 'invalid_grant').length;
  return { refresh: c.token.refresh_token.success + c.token.refresh_token.error, invalidGrant, ownInvalidGrant: Math.max(0, invalidGrant - provoked) };
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function same(actual, expected, what) {
  check(JSON.stringify(actual) === JSON.stringify(expected), `${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function userinfoStatus(env, token) {
  const response = await fetch(`${env.op.issuer}/me`, { headers: { authorization: `Bearer ${token}` } });
  return response.status;
}

/** The token set the app stored in IndexedDB. */
function storedTokens(page, key) {
  return page.evaluate(async (key) => {
    const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
    const db = await req(indexedDB.open('tabauth'));
    try {
      return (await req(db.transaction('sessions').objectStore('sessions').get(key)))?.session?.tokens;
    } finally {
      db.close();
    }
  }, key);
}

async function refreshGrantStatus(env, refreshToken) {
  const response = await fetch(`${env.op.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: env.clientId }),
  });
  return response.status;
}

async function scenario(env, body) {
  env.op.reset();
  await env.op.settings({ accessTokenTtl: 300, tokenFailure: null });
  const opened = [];
  try {
    return await body((context) => (opened.push(context), context));
  } finally {
    for (const context of opened) await context.close();
  }
}

export const SCENARIOS = [
  {
    name: 'sign-in',
    run: (env) => scenario(env, async (keep) => {
      const context = keep(await openContext(env));
      const page = await openApp(context, env);
      await signIn(page);
      const c = env.op.counts();
      same(c.token.authorization_code, { success: 1, error: 0 }, 'code exchanges');
      same(await text(page, 'user-name'), env.profile.oauth2 ? '' : 'Alice Example', 'user shown');
      return stats(c);
    }),
  },
  {
    name: 'storm',
    run: (env) => scenario(env, async (keep) => {
      const { context, tabs } = await signedInTabs(env, 5, 2);
      keep(context);
      await env.op.settings({ accessTokenTtl: 300 });
      const before = (await snapshot(tabs[0])).accessToken;
      const key = `${env.op.issuer} ${env.clientId}`;
      const stored = await storedTokens(tabs[0], key);
      await untilExpired(tabs);
      env.op.reset();
      const results = (await tokensAtOnce(tabs, 3)).flat();
      const c = env.op.counts();
      same(c.token.refresh_token, { success: 1, error: 0 }, 'refresh requests for 5 tabs x 3 calls');
      check(results.every((r) => r === results[0] && !r.startsWith('error')), `every call gets one token: ${JSON.stringify(results.map((r) => r.slice(-6)))}`);
      check(results[0] !== before, 'a new token');
      if (!env.profile.oauth2) same(await userinfoStatus(env, results[0]), 200, 'the new token at userinfo');
      // The profile is real: this server killed the old access token the moment the refresh succeeded.
      if (env.profile.revokePreviousAccess) same(await userinfoStatus(env, before), 401, 'the previous access token at userinfo');
      const now = await storedTokens(tabs[0], key);
      same(now.idToken === stored.idToken, env.profile.idTokenOnRefresh === false || Boolean(env.profile.oauth2), 'the ID token from sign-in kept');
      same(now.refreshToken === stored.refreshToken, env.profile.rotate === false, 'the refresh token kept (no rotation)');
      if (env.profile.rotate !== false && !env.profile.oauth2) {
        // Replaying the rotated refresh token (the test does it, never tabauth): rejected; the family dies unless reuse: 'reject'.
        same(await refreshGrantStatus(env, stored.refreshToken), 400, 'the rotated refresh token replayed');
        same(await userinfoStatus(env, results[0]), env.profile.reuse === 'reject' ? 200 : 401, 'the newest access token after the replay');
      }
      return stats(c);
    }),
  },
  {
    name: 'relay',
    run: (env) => scenario(env, async (keep) => {
      const { context, tabs } = await signedInTabs(env, 3, 2);
      keep(context);
      env.op.reset();
      let token = (await snapshot(tabs[0])).accessToken;
      for (let round = 0; round < 2; round++) {
        await untilExpired(tabs);
        const result = await tabs[(round + 1) % 3].evaluate(() => window.tabauth.getAccessToken().catch((e) => `error: ${e.code}`));
        check(!result.startsWith('error'), `round ${round}: ${result}`);
        token = await sameToken(tabs, token);
        same(env.op.counts().token.refresh_token, { success: round + 1, error: 0 }, `refresh requests after round ${round}`);
      }
      return stats(env.op.counts());
    }),
  },
  {
    name: 'dead grant',
    run: (env) => scenario(env, async (keep) => {
      const { context, tabs } = await signedInTabs(env, 2, 2);
      keep(context);
      const lifetime = env.profile.announceRefreshLifetime;
      let expected = env.profile.invalidGrantText ? 'session_ended' : 'refresh_token_revoked_or_expired';
      if (lifetime) {
        // One refresh inside the absolute lifetime, then wait it out: no refresh extends it.
        await untilExpired(tabs);
        await tabs[1].evaluate(() => window.tabauth.getAccessToken());
        const { refreshTokenTtl } = env.op.settings();
        await new Promise((resolve) => setTimeout(resolve, refreshTokenTtl * 1000));
        expected = 'refresh_token_lifetime_exceeded';
        env.op.reset();
      } else {
        // Counted from the moment the grant dies: a visible tab's own timer may ask before we do.
        env.op.reset();
        await env.op.revoke('alice'); // an administrator, a password change, a sign-out elsewhere
        await untilExpired(tabs);
      }
      const result = await tabs[0].evaluate(() => window.tabauth.getAccessToken().then(() => 'token', (e) => `${e.code} ${e.reason}`));
      same(result, `LOGIN_REQUIRED ${expected}`, 'getAccessToken() after the grant died');
      await Promise.all(tabs.map((tab) => waitForStatus(tab, 'reloginRequired')));
      await waitFor(() => text(tabs[1], 'reason'), (reason) => reason === expected, `the reason ${expected} on screen in the other tab`, 5_000);
      await tabs[1].evaluate(() => window.tabauth.getAccessToken().catch(() => {}));
      const c = env.op.counts();
      // A dead grant is asked about at most once; with an announced lifetime, not at all.
      same(c.token.refresh_token, lifetime ? { success: 0, error: 0 } : { success: 0, error: 1 }, 'refresh requests after the grant died');
      return stats(c, lifetime ? 0 : 1);
    }),
  },
  {
    name: 'sign-out',
    run: (env) => scenario(env, async (keep) => {
      const key = `${env.op.issuer} ${env.clientId}`;
      if (env.profile.advertise === false) {
        // What the server does not advertise is not done, and logout() says so...
        const context = keep(await openContext(env));
        const page = await openApp(context, env);
        await signIn(page);
        const refreshToken = (await storedTokens(page, key)).refreshToken;
        same(await page.evaluate(() => window.tabauth.logout()), { revocation: 'no_endpoint', endSession: 'no_endpoint' }, 'logout() result');
        same(await refreshGrantStatus(env, refreshToken), 200, 'the old refresh token at the token endpoint (nothing revoked it)');
        env.op.reset();
      }
      // ...and configured endpoints are used (merged over the metadata).
      const metadata = env.profile.advertise === false ? { revocation_endpoint: `${env.op.issuer}/token/revocation`, end_session_endpoint: `${env.op.issuer}/session/end` } : undefined;
      const context = keep(await openContext(env, { ...env.server, metadata }));
      const page = await openApp(context, env);
      await signIn(page);
      const refreshToken = (await storedTokens(page, key)).refreshToken;
      const visited = [];
      page.on('framenavigated', (frame) => frame === page.mainFrame() && visited.push(frame.url()));
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await waitFor(async () => visited.some((url) => url.startsWith(env.op.issuer)) && page.url().startsWith(env.appUrl) && (await text(page, 'status')) === 'signedOut', Boolean, "a round trip through the provider's logout back to the app");
      const c = env.op.counts();
      same({ revocations: c.revocations, logouts: c.logouts }, { revocations: 1, logouts: 1 }, 'revocation and end-session requests');
      same(await refreshGrantStatus(env, refreshToken), 400, 'the old refresh token at the token endpoint');
      return stats(c);
    }),
  },
];
