// The Go verifier package (sdk/go/verifier) in its example MCP server (sdk/go/examples/mcp-server)
// against a running authgent: the MCP TypeScript SDK's whole path (401, metadata, login and
// consent, tools, 403 step-up), machine tokens (client_credentials) accepted and refused with the
// exact challenges, a token signed by a key authgent does not publish refused, and a key rotation
// picked up without restarting the Go server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { addMachineClient, machineToken, startAuthgent } from './lib/authgent.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { GO_EXAMPLE, checkChallengesAndMetadata, startExampleServer, stepUpFlow } from './lib/mcp_example.mjs';

const CALLBACK = 'http://127.0.0.1:53686/callback';
const OTHER = 'https://other.example.com/mcp';

let authgent;
let server;
let browser;
let machine;

before(async () => {
  // Keys rotated during the test sign 2 s after they are published; the instance sees the new
  // key within a second.
  authgent = await startAuthgent({ KEY_PUBLISH_DELAY: '2', KEY_RELOAD_INTERVAL: '1' });
  // Unknown kids may refetch the JWKS every second rather than every minute, so that the
  // rotation below does not wait a minute.
  server = await startExampleServer(authgent.issuer, { binary: GO_EXAMPLE, args: ['--jwks-refetch-interval', '1s'] });
  browser = await launchBrowser();
  machine = addMachineClient(authgent, 'go machine', [server.resource, OTHER]);
});

after(async () => {
  await browser?.close();
  server?.stop();
  await authgent?.stop();
});

async function rpc(token, method, params = {}) {
  const response = await fetch(server.resource, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.json() };
}

const kidOf = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url')).kid;
const prm = () => server.resource.replace('/mcp', '/.well-known/oauth-protected-resource/mcp');

test('Go example: SDK client through 401, discovery, login and consent, tools and 403 step-up', async () => {
  const tokens = await stepUpFlow(browser, server.resource,
    { callback: CALLBACK, clientName: 'authgent e2e (Go MCP server)', screenshotPrefix: 'go-mcp-server' });
  // An authorization-code token, with the user as subject.
  const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url'));
  assert.ok(claims.sub.length > 0 && claims.sub !== claims.client_id, JSON.stringify(claims));
  assert.equal((await rpc(tokens.access_token, 'tools/list')).status, 200);
});

test('Go example: 401 challenges and protected-resource metadata', async () => {
  await checkChallengesAndMetadata(server.resource, authgent.issuer);
});

test('Go example: client_credentials tokens are accepted, and 403 names the scopes to ask for', async () => {
  const read = await machineToken(authgent.issuer, machine, { resource: server.resource, scope: 'mcp:read' });
  const listed = await rpc(read, 'tools/list');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.result.tools.map((t) => t.name), ['read_notes', 'add_note']);
  const refused = await rpc(read, 'tools/call', { name: 'add_note', arguments: { text: 'x' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.challenge,
    `Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="${prm()}"`);
  assert.deepEqual(refused.body, { error: 'insufficient_scope' });
  const write = await machineToken(authgent.issuer, machine, { resource: server.resource, scope: 'mcp:read mcp:write' });
  const added = await rpc(write, 'tools/call', { name: 'add_note', arguments: { text: 'from a machine' } });
  assert.equal(added.status, 200);
  assert.match(added.body.result.content[0].text, new RegExp(`^added note \\d+ for ${machine.clientId}$`));
});

test('Go example: a token for another audience is refused', async () => {
  const other = await machineToken(authgent.issuer, machine, { resource: OTHER, scope: 'mcp:read' });
  const answer = await rpc(other, 'tools/list');
  assert.equal(answer.status, 401);
  assert.equal(answer.challenge, `Bearer resource_metadata="${prm()}", scope="mcp:read", error="invalid_token"`);
  assert.match(server.log(), /token refused: wrong_audience/);
});

// What a retired key's token looks like to a verifier: the right issuer and audience, signed by a
// key that is not in authgent's JWKS. A second authgent with its own key but the first's ISSUER
// signs it.
test('Go example: a token signed by a key authgent does not publish is refused', async () => {
  const impostor = await startAuthgent({ ISSUER: authgent.issuer });
  try {
    const client = addMachineClient(impostor, 'impostor', [server.resource]);
    const forged = await machineToken(impostor.issuer, client, { resource: server.resource, scope: 'mcp:read' });
    assert.equal(JSON.parse(Buffer.from(forged.split('.')[1], 'base64url')).iss, authgent.issuer);
    const answer = await rpc(forged, 'tools/list');
    assert.equal(answer.status, 401);
    assert.match(answer.challenge, /error="invalid_token"$/);
    assert.match(server.log(), /token refused: unknown_key/);
  } finally {
    await impostor.stop();
  }
});

test('Go example: after `authgent keys rotate`, tokens of the new key are accepted without a restart', async () => {
  const before = await machineToken(authgent.issuer, machine, { resource: server.resource, scope: 'mcp:read' });
  assert.equal((await rpc(before, 'tools/list')).status, 200);
  const rotated = authgent.cli(['keys', 'rotate']);
  // Wait for the publish delay: until authgent signs with another key.
  let after;
  for (let i = 0; i < 40; i++) {
    after = await machineToken(authgent.issuer, machine, { resource: server.resource, scope: 'mcp:read' });
    if (kidOf(after) !== kidOf(before)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.notEqual(kidOf(after), kidOf(before), `still signing with the old key after 10 s: ${rotated}`);
  assert.match(rotated, new RegExp(kidOf(after)));
  const refusedBefore = (server.log().match(/token refused/g) ?? []).length;
  assert.equal((await rpc(after, 'tools/list')).status, 200);
  // The superseded key still verifies the tokens it signed.
  assert.equal((await rpc(before, 'tools/list')).status, 200);
  assert.equal((server.log().match(/token refused/g) ?? []).length, refusedBefore);
});
