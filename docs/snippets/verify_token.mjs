// Verify an authgent access token in a TypeScript/JavaScript MCP server with `jose`.
import { createRemoteJWKSet, jwtVerify } from 'jose';

export async function verifyToken(token, { issuer, resource }) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(token, jwks, {
    issuer,
    audience: resource,       // this MCP server's canonical URL
    algorithms: ['ES256'],
    typ: 'at+jwt',
  });
  return payload;             // payload.sub, payload.scope, payload.client_id
}
