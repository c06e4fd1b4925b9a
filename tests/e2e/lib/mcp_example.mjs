// The example MCP servers for end-to-end tests: the C++ one (examples/mcp-server, the C++
// verifier library) or the Go one (sdk/go/examples/mcp-server, the Go verifier package). Either
// is started on a free port on 127.0.0.1, protected by the given authgent issuer, and offers
// read_notes (mcp:read) and add_note (mcp:write). Also the flow and the checks both must pass.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

import { freePort } from './authgent.mjs';
import { authorizeInBrowser } from './browser.mjs';
import { MemoryProvider } from './memory_provider.mjs';

export const CPP_EXAMPLE = process.env.MCP_EXAMPLE_BIN ??
  resolve(import.meta.dirname, '../../../build/debug/examples/mcp-server/mcp-server');
export const GO_EXAMPLE = process.env.GO_EXAMPLE_BIN ??
  resolve(import.meta.dirname, '../../../build/debug/go/mcp-server');

// `binary`: which example; `args`: extra flags. log() is its standard error so far.
export async function startExampleServer(issuer, { binary = CPP_EXAMPLE, args = [] } = {}) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const child = spawn(binary, ['--issuer', issuer, '--resource', resource, '--port', String(port), ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`mcp-server did not start: ${stderr}`)), 15000);
    child.stderr.on('data', (d) => { stderr += d; if (stderr.includes('listening')) { clearTimeout(timer); ok(); } });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`mcp-server exited ${code}: ${stderr}`)); });
  });
  return { resource, log: () => stderr, stop() { child.kill('SIGTERM'); } };
}

// Runs an SDK action (connect, a call) and, when the SDK asks for authorization, lets the browser
// answer it and hands the code to the transport; null then, the action's result otherwise.
// `onConsent(page)` looks at the consent page first (lib/browser.mjs).
export async function withAuthorization(browser, provider, transportRef, action, screenshotPrefix, onConsent) {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const url = new URL(await authorizeInBrowser(browser, provider.authorizationUrl.href,
      { callbackPrefix: provider.redirectUrl, screenshotPrefix, onConsent }));
    await transportRef.transport.finishAuth(url.searchParams.get('code'));
    return null;
  }
}

// The MCP TypeScript SDK against an example server: the first call gets 401, the SDK discovers,
// registers and sends the user through login and consent for mcp:read; the read tool works; the
// write tool gets 403 insufficient_scope, the client re-authorizes with the added scope (the
// consent page asks only about it) and the call succeeds. Returns the tokens the client ends with.
export async function stepUpFlow(browser, resource, { callback, clientName, screenshotPrefix }) {
  const provider = new MemoryProvider({ callback, clientName });
  const ref = {};
  const authorizing = (action, prefix = screenshotPrefix, onConsent = undefined) =>
    withAuthorization(browser, provider, ref, action, prefix, onConsent);
  const connect = async () => {
    ref.transport = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
    ref.client = new Client({ name: 'authgent-e2e', version: '1.0.0' });
    await ref.client.connect(ref.transport);
  };
  // The first attempt is refused (401) and sends the user to authorize mcp:read.
  assert.equal(await authorizing(connect), null);
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
  // Incremental consent: the page lists mcp:read as held and asks only about mcp:write.
  const asksOnlyTheAddedScope = async (page) => {
    assert.match(await page.locator('main').innerText(), /It can already:[\s\S]*mcp:read[\s\S]*It asks for more/);
    assert.equal(await page.locator('input[type="checkbox"][name="allow:mcp:write"]').count(), 1);
    assert.equal(await page.locator('input[type="checkbox"][name="allow:mcp:read"]').count(), 0);
  };
  const stepped = await authorizing(() => ref.client.callTool({ name: 'add_note', arguments: { text: 'hi' } }),
    `${screenshotPrefix}-step-up`, asksOnlyTheAddedScope);
  assert.equal(stepped, null);
  assert.equal(new URL(provider.authorizationUrl).searchParams.get('scope'), 'mcp:read mcp:write');
  assert.equal(provider.saved.tokens.scope, 'mcp:read mcp:write');
  await connect();
  const written = await ref.client.callTool({ name: 'add_note', arguments: { text: 'hi' } });
  assert.match(written.content[0].text, /^added note 1 for /);
  assert.equal((await ref.client.callTool({ name: 'read_notes', arguments: {} })).content[0].text, '1 notes\n- hi');
  await ref.client.close();
  return provider.saved.tokens;
}

// The challenges without a token and with a bad one, and the protected-resource metadata.
export async function checkChallengesAndMetadata(resource, issuer) {
  const bare = await fetch(resource, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
  assert.equal(bare.status, 401);
  const prm = resource.replace('/mcp', '/.well-known/oauth-protected-resource/mcp');
  assert.equal(bare.headers.get('www-authenticate'), `Bearer resource_metadata="${prm}", scope="mcp:read"`);
  // RFC 6750 §3.1: a request without a token gets no error code, in the header or the body.
  assert.deepEqual(await bare.json(), {});
  const bad = await fetch(resource, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
  assert.equal(bad.headers.get('www-authenticate'),
    `Bearer resource_metadata="${prm}", scope="mcp:read", error="invalid_token"`);
  assert.deepEqual(await bad.json(), { error: 'invalid_token' });
  const expected = { resource, authorization_servers: [issuer],
    scopes_supported: ['mcp:read', 'mcp:write'], bearer_methods_supported: ['header'] };
  assert.deepEqual(await (await fetch(prm)).json(), expected);
  assert.deepEqual(await (await fetch(resource.replace('/mcp', '/.well-known/oauth-protected-resource'))).json(), expected);
}
