// openid-client (panva, OpenID-certified) against authgent as an OpenID provider: discovery from
// /.well-known/openid-configuration, a public client's code flow with PKCE, state and nonce (the
// browser signs in and consents), the id_token checks the library makes (signature from the JWKS,
// iss, aud, nonce, exp, iat, at_hash, the RFC 9207 iss of the response), userinfo, a refresh.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as oidc from 'openid-client';

import { startAuthgent, USERNAME } from './lib/authgent.mjs';
import { authorizeInBrowser, launchBrowser } from './lib/browser.mjs';

const CALLBACK = 'http://127.0.0.1:53683/callback';

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

test('openid-client signs a user in: id_token, userinfo and refresh', async () => {
  const registered = await fetch(`${authgent.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none',
      application_type: 'native', client_name: 'authgent e2e (openid-client)' }),
  });
  assert.equal(registered.status, 201);
  const { client_id: clientId } = await registered.json();

  // http is allowed only because the test issuer is on loopback.
  const config = await oidc.discovery(new URL(authgent.issuer), clientId, undefined, oidc.None(),
    { execute: [oidc.allowInsecureRequests] });
  assert.equal(config.serverMetadata().issuer, authgent.issuer);
  assert.equal(config.serverMetadata().userinfo_endpoint, `${authgent.issuer}/oauth/userinfo`);

  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email mcp:read',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
  });
  const callback = await authorizeInBrowser(browser, url.href,
    { callbackPrefix: CALLBACK, screenshotPrefix: 'openid-client' });

  // Throws unless every check passes (including `iss` in the response and the id_token's nonce).
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback),
    { pkceCodeVerifier: verifier, expectedNonce: nonce, expectedState: state });
  assert.equal(typeof tokens.id_token, 'string');
  const claims = tokens.claims();
  assert.equal(claims.iss, authgent.issuer);
  assert.equal(claims.aud, clientId);
  assert.equal(claims.nonce, nonce);
  assert.equal(typeof claims.auth_time, 'number');
  assert.equal(tokens.scope, 'email mcp:read openid profile');

  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.sub, claims.sub);
  assert.equal(info.preferred_username, USERNAME);

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  assert.equal(typeof refreshed.access_token, 'string');
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
});
