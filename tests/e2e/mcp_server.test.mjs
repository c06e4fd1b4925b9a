// The MCP TypeScript SDK client against the example C++ MCP server (examples/mcp-server), which
// verifies authgent's tokens with the C++ verifier library: the first call gets 401, the SDK
// discovers, registers and sends the user through login and consent for mcp:read; the read tool
// works; the write tool gets 403 insufficient_scope, the client re-authorizes with the added scope
// and the call succeeds. The same token also verifies with jose and PyJWT.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { startAuthgent } from './lib/authgent.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { checkChallengesAndMetadata, startExampleServer, stepUpFlow } from './lib/mcp_example.mjs';

const CALLBACK = 'http://127.0.0.1:53684/callback';

let authgent;
let server;
let resource;
let browser;

before(async () => {
  authgent = await startAuthgent();
  server = await startExampleServer(authgent.issuer);
  resource = server.resource;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  await authgent?.stop();
});

test('SDK client: 401, discovery, login and consent, read tool, 403 step-up, write tool', async () => {
  const tokens = await stepUpFlow(browser, resource,
    { callback: CALLBACK, clientName: 'authgent e2e (example MCP server)', screenshotPrefix: 'mcp-server' });

  // Interoperability: the same token with jose and PyJWT (issuer, audience, ES256).
  const token = tokens.access_token;
  const { payload, protectedHeader } = await jwtVerify(token,
    createRemoteJWKSet(new URL(`${authgent.issuer}/.well-known/jwks.json`)),
    { issuer: authgent.issuer, audience: resource, algorithms: ['ES256'] });
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.scope, 'mcp:read mcp:write');
  const py = spawnSync('/usr/bin/python3', [resolve(import.meta.dirname, 'verify_pyjwt.py'),
    `${authgent.issuer}/.well-known/jwks.json`, token, authgent.issuer, resource], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
});

test('the example server answers 401 with resource_metadata, and serves its metadata', async () => {
  await checkChallengesAndMetadata(resource, authgent.issuer);
});
