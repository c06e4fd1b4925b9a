// The MCP TypeScript SDK client against the example C++ MCP server (examples/mcp-server), which
// verifies authgent's tokens with the C++ verifier library: the first call gets 401, the SDK
// discovers, registers and sends the user through login and consent for mcp:read; the read tool
// works; the write tool gets 403 insufficient_scope, the client re-authorizes with the added scope
// and the call succeeds. The same token also verifies with jose and PyJWT.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { startAuthgent } from './lib/authgent.mjs';
import { MemoryProvider } from './lib/memory_provider.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { startExampleServer, withAuthorization as withAuthorizationIn } from './lib/mcp_example.mjs';

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

const withAuthorization = (provider, ref, action) =>
  withAuthorizationIn(browser, provider, ref, action, 'mcp-server');

test('SDK client: 401, discovery, login and consent, read tool, 403 step-up, write tool', async () => {
  const provider = new MemoryProvider({ callback: CALLBACK, clientName: 'authgent e2e (example MCP server)' });
  const ref = {};
  const connect = async () => {
    ref.transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
    ref.client = new Client({ name: 'authgent-e2e', version: '1.0.0' });
    await ref.client.connect(ref.transport);
  };
  // The first attempt is refused (401) and sends the user to authorize mcp:read.
  assert.equal(await withAuthorization(provider, ref, connect), null);
  assert.equal(new URL(provider.authorizationUrl).searchParams.get('scope'), 'mcp:read');
  assert.equal(provider.saved.tokens.scope, 'mcp:read');
  await connect();

  const tools = await ref.client.listTools();
  assert.deepEqual(tools.tools.map((t) => t.name), ['read_notes', 'add_note']);
  const read = await ref.client.callTool({ name: 'read_notes', arguments: {} });
  assert.equal(read.content[0].text, '0 notes');

  // The write tool needs mcp:write: 403 insufficient_scope naming mcp:read and mcp:write. The SDK
  // (1.32) first answers a 403 with its refresh token, which cannot widen the grant (RFC 6749 §6),
  // and reports the 403 again. The application then drops the refresh token, and on the next 403
  // the SDK authorizes anew with the scope from the challenge.
  await assert.rejects(ref.client.callTool({ name: 'add_note', arguments: { text: 'hi' } }),
    /403 after trying upscoping/);
  assert.equal((await ref.client.callTool({ name: 'read_notes', arguments: {} })).content[0].text, '0 notes');
  delete provider.saved.tokens.refresh_token;
  provider.authorizationUrl = undefined;
  const stepped = await withAuthorization(provider, ref,
    () => ref.client.callTool({ name: 'add_note', arguments: { text: 'hi' } }));
  assert.equal(stepped, null);
  assert.equal(new URL(provider.authorizationUrl).searchParams.get('scope'), 'mcp:read mcp:write');
  assert.equal(provider.saved.tokens.scope, 'mcp:read mcp:write');
  await connect();
  const written = await ref.client.callTool({ name: 'add_note', arguments: { text: 'hi' } });
  assert.match(written.content[0].text, /^added note 1 for /);
  assert.equal((await ref.client.callTool({ name: 'read_notes', arguments: {} })).content[0].text, '1 notes\n- hi');

  // Interoperability: the same token with jose and PyJWT (issuer, audience, ES256).
  const token = provider.saved.tokens.access_token;
  const { payload, protectedHeader } = await jwtVerify(token,
    createRemoteJWKSet(new URL(`${authgent.issuer}/.well-known/jwks.json`)),
    { issuer: authgent.issuer, audience: resource, algorithms: ['ES256'] });
  assert.equal(protectedHeader.typ, 'at+jwt');
  assert.equal(payload.scope, 'mcp:read mcp:write');
  const py = spawnSync('/usr/bin/python3', [resolve(import.meta.dirname, 'verify_pyjwt.py'),
    `${authgent.issuer}/.well-known/jwks.json`, token, authgent.issuer, resource], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  await ref.client.close();
});

test('the example server answers 401 with resource_metadata, and serves its metadata', async () => {
  const bare = await fetch(resource, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
  assert.equal(bare.status, 401);
  const prm = resource.replace('/mcp', '/.well-known/oauth-protected-resource/mcp');
  assert.equal(bare.headers.get('www-authenticate'), `Bearer resource_metadata="${prm}", scope="mcp:read"`);
  // RFC 6750 §3.1: a request without a token gets no error code, in the header or the body.
  assert.deepEqual(await bare.json(), {});
  const bad = await fetch(resource, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
  assert.match(bad.headers.get('www-authenticate'), /error="invalid_token"/);
  assert.deepEqual(await bad.json(), { error: 'invalid_token' });
  const metadata = await (await fetch(prm)).json();
  assert.deepEqual(metadata, { resource, authorization_servers: [authgent.issuer],
    scopes_supported: ['mcp:read', 'mcp:write'], bearer_methods_supported: ['header'] });
});
