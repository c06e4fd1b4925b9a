// The MCP TypeScript SDK's own auth() against authgent, with a real browser for the user's part:
// discovery through the resource server's metadata, dynamic registration, login and consent in
// Chromium, the code exchange, a call the resource server verifies with jose, then a refresh.
// The same token is checked by PyJWT too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { resolve } from 'node:path';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';

import { startAuthgent } from './lib/authgent.mjs';
import { MemoryProvider } from './lib/memory_provider.mjs';
import { authorizeInBrowser, launchBrowser } from './lib/browser.mjs';
import { startResourceServer } from './lib/resource_server.mjs';

const CALLBACK = 'http://127.0.0.1:53682/callback';


let authgent;
let rs;
let browser;

before(async () => {
  authgent = await startAuthgent();
  rs = await startResourceServer(authgent.issuer);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await rs?.stop();
  await authgent?.stop();
});

async function callResource(token) {
  return fetch(rs.resource, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
}

test('the SDK completes discovery, registration, login, consent, exchange and refresh', async () => {
  const unauthorized = await callResource();
  assert.equal(unauthorized.status, 401);
  const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(unauthorized);
  assert.equal(resourceMetadataUrl.href, rs.prmUrl);

  const provider = new MemoryProvider({ callback: CALLBACK, clientName: 'authgent e2e (MCP TypeScript SDK)', state: 'sdk-state-123' });
  const first = await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl, scope });
  assert.equal(first, 'REDIRECT');
  assert.ok(provider.saved.client.client_id, 'the SDK registered a client');
  const authorizeUrl = provider.authorizationUrl;
  assert.equal(authorizeUrl.origin + authorizeUrl.pathname, `${authgent.issuer}/oauth/authorize`);
  assert.equal(authorizeUrl.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(authorizeUrl.searchParams.get('resource'), rs.resource);

  const redirected = new URL(await authorizeInBrowser(browser, authorizeUrl.href,
    { callbackPrefix: CALLBACK, screenshotPrefix: 'sdk' }));
  assert.equal(redirected.searchParams.get('state'), 'sdk-state-123');
  assert.equal(redirected.searchParams.get('iss'), authgent.issuer);
  const code = redirected.searchParams.get('code');
  assert.ok(code);

  const second = await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl, authorizationCode: code });
  assert.equal(second, 'AUTHORIZED');
  const tokens = provider.saved.tokens;
  assert.equal(tokens.token_type, 'Bearer');
  assert.equal(tokens.scope, 'mcp:read');
  assert.ok(tokens.refresh_token);

  const ok = await callResource(tokens.access_token);
  assert.equal(ok.status, 200);
  const body = await ok.json();
  assert.equal(body.scope, 'mcp:read');
  assert.equal(rs.calls.at(-1).protectedHeader.alg, 'ES256');
  assert.equal(rs.calls.at(-1).payload.client_id, provider.saved.client.client_id);

  // PyJWT verifies the same token against the published JWKS.
  const py = spawnSync('/usr/bin/python3', [resolve(import.meta.dirname, 'verify_pyjwt.py'),
    `${authgent.issuer}/.well-known/jwks.json`, tokens.access_token, authgent.issuer, rs.resource],
  { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(JSON.parse(py.stdout).sub, body.sub);

  // A refresh: the SDK presents the refresh token and gets a new, rotated pair.
  const refreshed = await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl });
  assert.equal(refreshed, 'AUTHORIZED');
  assert.notEqual(provider.saved.tokens.access_token, tokens.access_token);
  assert.notEqual(provider.saved.tokens.refresh_token, tokens.refresh_token);
  assert.equal((await callResource(provider.saved.tokens.access_token)).status, 200);
});

test('a token for another audience is refused by the resource server', async () => {
  const other = await startResourceServer(authgent.issuer);
  try {
    const provider = new MemoryProvider({ callback: CALLBACK, clientName: 'authgent e2e (MCP TypeScript SDK)', state: 'sdk-state-123' });
    const unauthorized = await fetch(other.resource, { method: 'POST' });
    const { resourceMetadataUrl } = extractWWWAuthenticateParams(unauthorized);
    await auth(provider, { serverUrl: other.resource, resourceMetadataUrl });
    const url = new URL(await authorizeInBrowser(browser, provider.authorizationUrl.href,
      { callbackPrefix: CALLBACK, screenshotPrefix: 'audience' }));
    await auth(provider, { serverUrl: other.resource, resourceMetadataUrl, authorizationCode: url.searchParams.get('code') });
    const wrongAudience = await callResource(provider.saved.tokens.access_token);
    assert.equal(wrongAudience.status, 401);
    assert.match(wrongAudience.headers.get('www-authenticate'), /error="invalid_token"/);
  } finally {
    await other.stop();
  }
});
