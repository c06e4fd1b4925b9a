"""Verify an authgent access token in a Python MCP server with PyJWT."""
import sys

import jwt


def verify_token(token: str, issuer: str, resource: str) -> dict:
    jwks = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
    key = jwks.get_signing_key_from_jwt(token).key
    return jwt.decode(token, key, algorithms=["ES256"], issuer=issuer, audience=resource)


if __name__ == "__main__":
    claims = verify_token(sys.argv[3], issuer=sys.argv[1], resource=sys.argv[2])
    print(claims["sub"])
