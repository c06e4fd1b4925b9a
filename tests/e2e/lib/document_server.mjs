// An HTTPS server on 127.0.0.1 that serves client ID metadata documents for end-to-end tests.
// Its certificate (for localhost) is signed by a CA made at start-up with the openssl command;
// authgent trusts that CA through CIMD_CA_FILE and reaches the loopback address only because the
// test sets CIMD_ALLOW_LOOPBACK.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function makeCertificates(dir) {
  const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=authgent e2e CA');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key',
    '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf');
}

export async function startDocumentServer() {
  const dir = mkdtempSync(join(tmpdir(), 'authgent-documents-'));
  makeCertificates(dir);
  const documents = new Map();
  const requests = new Map();
  const server = createServer({
    key: readFileSync(join(dir, 'server.key')),
    cert: readFileSync(join(dir, 'server.pem')),
  }, (req, res) => {
    requests.set(req.url, (requests.get(req.url) ?? 0) + 1);
    const document = documents.get(req.url);
    if (!document) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
    res.end(JSON.stringify(document));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    caFile: join(dir, 'ca.pem'),
    url: (path) => `https://localhost:${port}${path}`,
    // Serves a document whose client_id is its own URL (as the draft requires).
    serve(path, metadata) {
      const clientId = `https://localhost:${port}${path}`;
      documents.set(path, { client_id: clientId, ...metadata });
      return clientId;
    },
    requests: (path) => requests.get(path) ?? 0,
    async stop() {
      await new Promise((ok) => server.close(ok));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
