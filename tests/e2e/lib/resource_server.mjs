// A small MCP resource server, as an MCP server using authgent would be: it publishes protected
// resource metadata (RFC 9728), answers 401 with `resource_metadata` without a valid token, and
// verifies tokens offline with `jose` (ES256 only, issuer, audience = its own canonical URL).
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

import { freePort } from './authgent.mjs';

export async function startResourceServer(issuer, { requiredScope = 'mcp:read' } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const resource = `${base}/mcp`;
  const prmUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const calls = [];
  const server = createServer(async (req, res) => {
    if (req.url === '/.well-known/oauth-protected-resource/mcp' ||
        req.url === '/.well-known/oauth-protected-resource') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ resource, authorization_servers: [issuer],
        scopes_supported: ['mcp:read', 'mcp:write'], bearer_methods_supported: ['header'] }));
      return;
    }
    if (req.url !== '/mcp') { res.writeHead(404).end(); return; }
    const auth = req.headers.authorization ?? '';
    const challenge = (extra) => `Bearer resource_metadata="${prmUrl}", scope="${requiredScope}"${extra}`;
    if (!auth.startsWith('Bearer ')) {
      res.writeHead(401, { 'www-authenticate': challenge('') }).end();
      return;
    }
    try {
      const { payload, protectedHeader } = await jwtVerify(auth.slice(7), jwks, {
        issuer, audience: resource, algorithms: ['ES256'], typ: 'at+jwt',
      });
      calls.push({ payload, protectedHeader });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, sub: payload.sub, scope: payload.scope }));
    } catch (error) {
      res.writeHead(401, { 'www-authenticate': challenge(', error="invalid_token"') });
      res.end(JSON.stringify({ error: String(error) }));
    }
  });
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return { resource, prmUrl, calls, stop: () => new Promise((ok) => server.close(ok)) };
}
