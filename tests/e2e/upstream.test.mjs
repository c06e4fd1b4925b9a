// Login through a real upstream OpenID provider (npm oidc-provider), once with RS256 and once with
// ES256 id_tokens: MCP client (the TypeScript SDK) -> authgent -> the provider's login -> authgent
// consent -> back to the client; the token works at the resource server, and the same upstream
// user logging in twice gets the same `sub`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { join } from 'node:path';

import { freePort, startAuthgent } from './lib/authgent.mjs';
import { MemoryProvider } from './lib/memory_provider.mjs';
import { ARTIFACTS, launchBrowser } from './lib/browser.mjs';
import { startOidcProvider } from './lib/oidc_provider.mjs';
import { startResourceServer } from './lib/resource_server.mjs';

const CALLBACK = 'http://127.0.0.1:53683/callback';

// The browser's part: the provider's login and consent, then authgent's consent.
async function signInUpstream(browser, url, login, shots) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${CALLBACK}**`, (route) => route.fulfill({ status: 200, body: 'done' }));
  const reached = page.waitForRequest((r) => r.url().startsWith(CALLBACK), { timeout: 30000 });
  await page.goto(url);
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', 'any-password');
  await page.click('button[type="submit"]');
  // The provider asks its own consent the first time.
  const upstreamConsent = page.locator('button:has-text("Continue")');
  const authgentConsent = page.locator('button[name="decision"][value="approve"]');
  await Promise.race([upstreamConsent.waitFor(), authgentConsent.waitFor()]);
  if (await upstreamConsent.count() > 0) await upstreamConsent.click();
  if (await authgentConsent.count() > 0 || await authgentConsent.waitFor({ timeout: 5000 }).then(() => true, () => false)) {
    await page.screenshot({ path: join(ARTIFACTS, `${shots}-consent.png`), fullPage: true });
    await authgentConsent.click();
  }
  const request = await reached;
  await context.close();
  return new URL(request.url());
}

for (const alg of ['RS256', 'ES256']) {
  describe(`upstream OpenID provider with ${alg} id_tokens`, () => {
    let idp;
    let authgent;
    let rs;
    let browser;

    before(async () => {
      const port = await freePort();
      idp = await startOidcProvider({ alg, clientId: 'authgent', clientSecret: 'upstream-secret',
        redirectUri: `http://127.0.0.1:${port}/oauth/upstream/callback` });
      authgent = await startAuthgent({ PORT: String(port), UPSTREAM_ISSUER: idp.issuer,
        UPSTREAM_CLIENT_ID: 'authgent', UPSTREAM_CLIENT_SECRET: 'upstream-secret',
        UPSTREAM_ALLOWED_DOMAINS: 'corp.example' });
      for (let i = 0; i < 100; i += 1) {
        if ((await fetch(`${authgent.issuer}/readyz`)).status === 200) break;
        await new Promise((ok) => setTimeout(ok, 100));
      }
      rs = await startResourceServer(authgent.issuer);
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await rs?.stop();
      await authgent?.stop();
      await idp?.stop();
    });

    async function connect(login, shots) {
      const provider = new MemoryProvider({ callback: CALLBACK, clientName: 'authgent upstream e2e' });
      const { resourceMetadataUrl } = extractWWWAuthenticateParams(await fetch(rs.resource, { method: 'POST' }));
      assert.equal(await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl }), 'REDIRECT');
      const callback = await signInUpstream(browser, provider.authorizationUrl.href, login, shots);
      assert.equal(callback.searchParams.get('iss'), authgent.issuer);
      assert.equal(await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl,
        authorizationCode: callback.searchParams.get('code') }), 'AUTHORIZED');
      const call = await fetch(rs.resource, { method: 'POST',
        headers: { authorization: `Bearer ${provider.saved.tokens.access_token}` } });
      assert.equal(call.status, 200);
      return (await call.json()).sub;
    }

    test('a user signs in at the provider and the MCP client gets a working token', async () => {
      const first = await connect('alice', `upstream-${alg.toLowerCase()}`);
      const second = await connect('alice', `upstream-${alg.toLowerCase()}-again`);
      assert.equal(second, first, 'the same upstream user keeps the same sub');
      const other = await connect('bob', `upstream-${alg.toLowerCase()}-bob`);
      assert.notEqual(other, first);
    });
  });
}
