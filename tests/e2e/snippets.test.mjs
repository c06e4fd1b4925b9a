// The README's token-verification snippets (docs/snippets/) run against a live authgent: C++ (the
// verifier library), TypeScript (jose) and Python (PyJWT) each accept a real access token. The
// README must show the snippet files unchanged, and the Go example's marked part.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { addMachineClient, machineToken, startAuthgent } from './lib/authgent.mjs';
import { ARTIFACTS } from './lib/browser.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const SNIPPETS = join(ROOT, 'docs/snippets');
const CPP = process.env.SNIPPET_CPP_BIN ?? join(ROOT, 'build/debug/examples/mcp-server/verify_token_snippet');
const RESOURCE = 'https://mcp.example.com/mcp';

let authgent;
let token;
let clientId;

before(async () => {
  authgent = await startAuthgent();
  const client = addMachineClient(authgent, 'snippets', [RESOURCE]);
  clientId = client.clientId;
  token = await machineToken(authgent.issuer, client, { resource: RESOURCE, scope: 'mcp:read' });
});

after(async () => { await authgent?.stop(); });

test('the C++ snippet verifies the token', () => {
  const run = spawnSync(CPP, [authgent.issuer, RESOURCE, token], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.equal(run.stdout, `sub=${clientId}\n`);
  const wrong = spawnSync(CPP, [authgent.issuer, 'https://other.example.com/mcp', token], { encoding: 'utf8' });
  assert.equal(wrong.stdout, 'rejected: wrong_audience\n');
});

test('the TypeScript snippet verifies the token', async () => {
  // Copied beside node_modules so that its `jose` import resolves.
  mkdirSync(ARTIFACTS, { recursive: true });
  const copy = join(ARTIFACTS, 'verify_token.mjs');
  copyFileSync(join(SNIPPETS, 'verify_token.mjs'), copy);
  const { verifyToken } = await import(copy);
  const payload = await verifyToken(token, { issuer: authgent.issuer, resource: RESOURCE });
  assert.equal(payload.sub, clientId);
  await assert.rejects(verifyToken(token, { issuer: authgent.issuer, resource: 'https://other.example.com/mcp' }));
});

test('the Python snippet verifies the token', () => {
  const run = spawnSync('/usr/bin/python3', [join(SNIPPETS, 'verify_token.py'), authgent.issuer, RESOURCE, token],
    { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, `${clientId}\n`);
});

test('the README shows the snippets unchanged', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const file of ['verify_token.cc', 'verify_token.mjs', 'verify_token.py']) {
    assert.ok(readme.includes(readFileSync(join(SNIPPETS, file), 'utf8')), `${file} differs from the README`);
  }
  // The Go snippet is the part of the Go example (built and run by go_verifier.test.mjs) between
  // its README markers, one tab less indented.
  const main = readFileSync(join(ROOT, 'sdk/go/examples/mcp-server/main.go'), 'utf8');
  const region = main.split('\t// README:begin\n')[1].split('\t// README:end\n')[0];
  const go = region.split('\n').map((line) => line.replace(/^\t/, '')).join('\n');
  assert.ok(go.includes('verifier.New(verifier.Config{') && go.includes('v.RequireAuth('), go);
  assert.ok(readme.includes('```go\n' + go + '```'), 'the Go example differs from the README');
});
