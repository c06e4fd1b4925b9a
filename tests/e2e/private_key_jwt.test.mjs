// private_key_jwt with a real client: the MCP TypeScript SDK's PrivateKeyJwtProvider (the MCP
// client-credentials extension) signs its assertions with jose, for a machine client the
// operator created with `authgent clients add --jwks FILE`, and calls the example MCP server with
// the token it gets, for ES256 and RS256 keys. An assertion signed by another key is refused.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PrivateKeyJwtProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { exportJWK, generateKeyPair } from 'jose';

import { startAuthgent } from './lib/authgent.mjs';
import { startExampleServer } from './lib/mcp_example.mjs';

let authgent;
let server;

before(async () => {
  authgent = await startAuthgent();
  server = await startExampleServer(authgent.issuer);
});

after(async () => {
  server?.stop();
  await authgent?.stop();
});

// A machine client whose public key is in a JWK Set file; returns its id and private JWK.
async function addSignedClient(alg) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-key`, alg, use: 'sig' };
  const file = join(authgent.dir, `${alg}.jwks.json`);
  writeFileSync(file, JSON.stringify({ keys: [jwk] }));
  const out = authgent.cli(['clients', 'add', '--name', `Signed ${alg}`, '--grant', 'client_credentials',
    '--resource', server.resource, '--scope', 'mcp:read', '--jwks', file]);
  assert.doesNotMatch(out, /client_secret/);
  const clientId = out.match(/^client_id: (\S+)$/m)[1];
  return { clientId, privateKey: { ...(await exportJWK(privateKey)), kid: `${alg}-key` } };
}

async function connect(clientId, privateKey, algorithm) {
  const provider = new PrivateKeyJwtProvider({ clientId, privateKey, algorithm,
    expectedIssuer: authgent.issuer });
  const transport = new StreamableHTTPClientTransport(new URL(server.resource), { authProvider: provider });
  const client = new Client({ name: 'authgent-e2e-m2m', version: '1.0.0' });
  await client.connect(transport);
  return { client, provider };
}

for (const alg of ['ES256', 'RS256']) {
  test(`the SDK's PrivateKeyJwtProvider gets a machine token with an ${alg} assertion`, async () => {
    const { clientId, privateKey } = await addSignedClient(alg);
    const { client, provider } = await connect(clientId, privateKey, alg);
    const read = await client.callTool({ name: 'read_notes', arguments: {} });
    assert.equal(read.content[0].text, '0 notes');
    const claims = JSON.parse(Buffer.from(provider.tokens().access_token.split('.')[1], 'base64url'));
    assert.equal(claims.client_id, clientId);
    assert.equal(claims.aud, server.resource);
    assert.equal(claims.scope, 'mcp:read');
    await client.close();
  });
}

test('an assertion signed by a key the client did not register is refused', async () => {
  const { clientId } = await addSignedClient('ES256');
  const { privateKey: other } = await generateKeyPair('ES256', { extractable: true });
  const wrong = { ...(await exportJWK(other)), kid: 'ES256-key' };
  await assert.rejects(connect(clientId, wrong, 'ES256'),
    { name: 'InvalidClientError', message: 'client authentication failed' });
});
