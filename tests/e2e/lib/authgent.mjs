// Starts the real authgent binary for an end-to-end test: a free port on 127.0.0.1, a private
// SQLite database, ISSUER equal to the URL clients use, and one local user created through the
// CLI exactly as an operator would (password piped on standard input).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const USERNAME = 'e2e-user';
export const PASSWORD = 'e2e-password-123';

export function authgentBinary() {
  return process.env.AUTHGENT_BIN ?? resolve(import.meta.dirname, '../../../build/debug/src/server/authgent');
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export async function startAuthgent(extraEnv = {}) {
  const port = extraEnv.PORT ? Number(extraEnv.PORT) : await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'authgent-e2e-'));
  const issuer = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    ISSUER: issuer,
    PORT: String(port),
    BIND_ADDRESS: '127.0.0.1',
    DATABASE_URL: `sqlite://${dir}/authgent.db`,
    ACCESS_LOG: 'false',
    ...extraEnv,
  };
  const add = spawnSync(authgentBinary(), ['users', 'add', USERNAME], { env, input: `${PASSWORD}\n` });
  if (add.status !== 0) throw new Error(`users add failed: ${add.stderr}`);
  const child = spawn(authgentBinary(), ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.resume();
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`authgent did not start: ${stderr}`)), 20000);
    child.stderr.on('data', () => {
      if (stderr.includes('serving on')) { clearTimeout(timer); ok(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`authgent exited ${code}: ${stderr}`)); });
  });
  return {
    issuer,
    port,
    dir,
    // Runs an operator command (`clients add ...`) on this server's database.
    cli(args) {
      const run = spawnSync(authgentBinary(), args, { env, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`authgent ${args.join(' ')} failed: ${run.stderr}`);
      return run.stdout;
    },
    // Stops the server and deletes its directory (AUTHGENT_KEEP_TEST_DIRS keeps it, as in the
    // C++ tests); its stderr is already in the message of any test that failed.
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((ok) => child.once('exit', ok));
        child.kill('SIGTERM');
        await exited;
      }
      if (!process.env.AUTHGENT_KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A machine client (client_credentials, a secret) added through the CLI for `resources`.
export function addMachineClient(server, name, resources) {
  const out = server.cli(['clients', 'add', '--name', name, '--grant', 'client_credentials',
    ...resources.flatMap((r) => ['--resource', r])]);
  return { clientId: out.match(/client_id: (\S+)/)[1], secret: out.match(/client_secret: (\S+)/)[1] };
}

// A client_credentials access token from `issuer` (the URL the token endpoint is at) for
// `resource` with `scope`; throws unless the answer is 200.
export async function machineToken(issuer, { clientId, secret }, { resource, scope }) {
  const response = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`token endpoint: ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}
