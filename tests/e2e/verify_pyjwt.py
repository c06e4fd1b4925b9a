"""Verifies an authgent access token with PyJWT (Debian's python3-jwt), fetching the JWKS.

Usage: /usr/bin/python3 verify_pyjwt.py JWKS_URL TOKEN ISSUER AUDIENCE
Prints the verified claims as JSON; exits non-zero when verification fails.
"""
import json
import sys

import jwt

jwks_url, token, issuer, audience = sys.argv[1:5]
signing_key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
claims = jwt.decode(token, signing_key.key, algorithms=["ES256"], issuer=issuer, audience=audience)
print(json.dumps(claims, sort_keys=True))
