// The README's token-verification snippets (docs/snippets/) run against a live authgent: C++ (the
// verifier library), TypeScript (jose) and Python (PyJWT) each accept a real access token. The
// README must show the snippet files unchanged.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { authgentBinary, startAuthgent } from './lib/authgent.mjs';
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
  const added = spawnSync(authgentBinary(), ['clients', 'add', '--name', 'snippets',
    '--grant', 'client_credentials', '--resource', RESOURCE], { env: { PATH: process.env.PATH, DATABASE_URL: `sqlite://${authgent.dir}/authgent.db` },
    encoding: 'utf8' });
  assert.equal(added.status, 0, added.stderr);
  clientId = added.stdout.match(/client_id: (\S+)/)[1];
  const secret = added.stdout.match(/client_secret: (\S+)/)[1];
  const response = await fetch(`${authgent.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp:read', resource: RESOURCE }),
  });
  assert.equal(response.status, 200);
  token = (await response.json()).access_token;
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
});
