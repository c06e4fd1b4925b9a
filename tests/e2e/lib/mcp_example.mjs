// The example C++ MCP server (examples/mcp-server) for end-to-end tests: started on a free port
// on 127.0.0.1 and protected by the given authgent issuer, it verifies tokens with the C++
// verifier library and offers read_notes (mcp:read) and add_note (mcp:write).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

import { freePort } from './authgent.mjs';
import { authorizeInBrowser } from './browser.mjs';

const EXAMPLE = process.env.MCP_EXAMPLE_BIN ??
  resolve(import.meta.dirname, '../../../build/debug/examples/mcp-server/mcp-server');

export async function startExampleServer(issuer) {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  const child = spawn(EXAMPLE, ['--issuer', issuer, '--resource', resource, '--port', String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`mcp-server did not start: ${stderr}`)), 15000);
    child.stderr.on('data', (d) => { stderr += d; if (stderr.includes('listening')) { clearTimeout(timer); ok(); } });
  });
  return { resource, stop() { child.kill('SIGTERM'); } };
}

// Runs an SDK action (connect, a call) and, when the SDK asks for authorization, lets the browser
// answer it and hands the code to the transport; null then, the action's result otherwise.
export async function withAuthorization(browser, provider, transportRef, action, screenshotPrefix) {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    const url = new URL(await authorizeInBrowser(browser, provider.authorizationUrl.href,
      { callbackPrefix: provider.redirectUrl, screenshotPrefix }));
    await transportRef.transport.finishAuth(url.searchParams.get('code'));
    return null;
  }
}
