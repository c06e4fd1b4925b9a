// bench/peer: the comparison server for bench/run, npm oidc-provider (panva) as its README
// configures it for production-like use, with its in-memory adapter: client_credentials with
// resource indicators issuing ES256 JWT access tokens (RFC 9068 style, like authgent's), and
// token introspection. oidc-provider refuses to introspect JWT access tokens, so for the
// introspection scenario it issues opaque tokens to a second resource, which is the fastest
// introspection it offers.
//
//   NODE_ENV=production node bench/peer/oidc_provider_peer.mjs PORT
//
// Prints one JSON line when listening: {"port", "client_id", "client_secret",
// "jwt_resource", "opaque_resource"}. Uses the oidc-provider the end-to-end tests install
// (tests/e2e/package-lock.json), so the benchmark needs no install of its own.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';

const { default: Provider } = await import(
  new URL('../../tests/e2e/node_modules/oidc-provider/lib/index.js', import.meta.url));

const port = Number(process.argv[2]);
const issuer = `http://127.0.0.1:${port}`;
const jwtResource = 'http://127.0.0.1/mcp';
const opaqueResource = 'http://127.0.0.1/mcp-opaque';
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret-0123456789',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
    scope: 'mcp:read',
  }],
  jwks: { keys: [jwk] },
  scopes: ['mcp:read'],
  ttl: { ClientCredentials: 3600 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => jwtResource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => (resource === opaqueResource
        ? { scope: 'mcp:read', accessTokenFormat: 'opaque' }
        : { scope: 'mcp:read', audience: jwtResource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } }),
    },
  },
});
// No request logging, no proxy: the same conditions as authgent in bench/run.
const server = http.createServer(provider.callback());
server.keepAliveTimeout = 120_000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({
    port,
    client_id: 'bench',
    client_secret: 'bench-secret-0123456789',
    jwt_resource: jwtResource,
    opaque_resource: opaqueResource,
  })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
