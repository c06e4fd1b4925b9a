// A real OpenID provider for the upstream-login tests: panva's oidc-provider (OpenID certified),
// in memory, on 127.0.0.1, with its development login and consent pages. Any login name works;
// the account's email is <login>@corp.example.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

import { freePort } from './authgent.mjs';

export async function startOidcProvider({ alg, redirectUri, clientId, clientSecret }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `upstream-${alg.toLowerCase()}` };
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    }],
    jwks: { keys: [jwk] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Put the requested claims in the id_token itself: authgent reads identity from it alone.
    conformIdTokenClaims: false,
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: `upstream-${id}`, email: `${id}@corp.example`, email_verified: true, name: `User ${id}` };
        },
      };
    },
  });
  const server = createServer(provider.callback());
  await new Promise((ok) => server.listen(port, '127.0.0.1', ok));
  return {
    issuer,
    stop: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }),
  };
}
