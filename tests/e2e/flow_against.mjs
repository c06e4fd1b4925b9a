// The whole MCP first connection against an authgent that is already running somewhere (a
// container, a load balancer): the deployment tests use it, the e2e suite does not (it starts its
// own server). The MCP TypeScript SDK discovers authgent through a local resource server's
// protected-resource metadata, registers, Chromium signs in and consents, the SDK exchanges the
// code, the resource server verifies the token with jose, and the SDK refreshes.
//   node flow_against.mjs flow ISSUER USERNAME PASSWORD STATE_FILE
//     runs all of that and saves the client and its refresh token in STATE_FILE;
//   node flow_against.mjs refresh ISSUER STATE_FILE
//     rotates the saved refresh token (a later server, say on the same volume) and calls again.
// Prints one line of figures; exits 1 with the reason on any failure.
import { readFileSync, writeFileSync } from 'node:fs';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';

import { authorizeInBrowser, launchBrowser } from './lib/browser.mjs';
import { MemoryProvider } from './lib/memory_provider.mjs';
import { startResourceServer } from './lib/resource_server.mjs';

const CALLBACK = 'http://127.0.0.1:53682/callback';

function check(condition, what) {
  if (!condition) throw new Error(what);
}

async function callResource(rs, token) {
  return fetch(rs.resource, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function flow(issuer, username, password, stateFile) {
  const started = Date.now();
  const rs = await startResourceServer(issuer);
  const browser = await launchBrowser();
  try {
    const unauthorized = await callResource(rs);
    check(unauthorized.status === 401, `resource server answered ${unauthorized.status} without a token`);
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(unauthorized);
    const provider = new MemoryProvider({ callback: CALLBACK, clientName: 'authgent deployment test', state: 'deploy-state' });
    check(await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl, scope }) === 'REDIRECT',
      'the SDK did not start an authorization');
    const authorizeUrl = provider.authorizationUrl;
    check(authorizeUrl.origin === issuer, `authorize URL ${authorizeUrl.origin} is not on ${issuer}`);
    const redirected = new URL(await authorizeInBrowser(browser, authorizeUrl.href,
      { callbackPrefix: CALLBACK, screenshotPrefix: 'deploy', username, password }));
    check(redirected.searchParams.get('iss') === issuer, `callback iss ${redirected.searchParams.get('iss')}`);
    const code = redirected.searchParams.get('code');
    check(code, `no code in the callback: ${redirected.search}`);
    check(await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl, authorizationCode: code }) === 'AUTHORIZED',
      'the code exchange failed');
    const first = provider.saved.tokens;
    const call = await callResource(rs, first.access_token);
    check(call.status === 200, `the resource server refused the token: ${call.status}`);
    check(await auth(provider, { serverUrl: rs.resource, resourceMetadataUrl }) === 'AUTHORIZED', 'the refresh failed');
    check(provider.saved.tokens.refresh_token !== first.refresh_token, 'the refresh token did not rotate');
    check((await callResource(rs, provider.saved.tokens.access_token)).status === 200, 'the refreshed token was refused');
    writeFileSync(stateFile, JSON.stringify({ client: provider.saved.client, tokens: provider.saved.tokens }));
    console.log(`flow: registration, login, consent, code exchange, verified call and refresh in ${Date.now() - started} ms` +
      ` (client ${provider.saved.client.client_id}, kid ${rs.calls.at(-1).protectedHeader.kid})`);
  } finally {
    await browser.close();
    await rs.stop();
  }
}

async function refresh(issuer, stateFile) {
  const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
  const rs = await startResourceServer(issuer);
  try {
    const response = await fetch(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: saved.tokens.refresh_token,
        client_id: saved.client.client_id }),
    });
    const body = await response.json();
    check(response.status === 200, `refresh: ${response.status} ${JSON.stringify(body)}`);
    // The token's audience is the first resource server's; this one checks signature and issuer.
    check(body.refresh_token && body.refresh_token !== saved.tokens.refresh_token, 'the refresh token did not rotate');
    const jwks = await (await fetch(`${issuer}/.well-known/jwks.json`)).json();
    const kid = JSON.parse(Buffer.from(body.access_token.split('.')[0], 'base64url')).kid;
    check(jwks.keys.some((k) => k.kid === kid), `kid ${kid} is not in the JWKS`);
    saved.tokens = body;
    writeFileSync(stateFile, JSON.stringify(saved));
    console.log(`refresh: the saved refresh token rotated (client ${saved.client.client_id}, kid ${kid})`);
  } finally {
    await rs.stop();
  }
}

const [command, issuer, ...rest] = process.argv.slice(2);
try {
  if (command === 'flow' && rest.length === 3) await flow(issuer, ...rest);
  else if (command === 'refresh' && rest.length === 1) await refresh(issuer, ...rest);
  else throw new Error('usage: flow ISSUER USERNAME PASSWORD STATE_FILE | refresh ISSUER STATE_FILE');
} catch (error) {
  console.error(`flow_against ${command}: ${error.message}`);
  process.exit(1);
}
