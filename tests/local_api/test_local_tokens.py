"""The Cognito-style checks, one at a time, with a key made for the test."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sessions_local.gateway import TokenRejected, TokenVerifier, gateway_claims

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"
CLIENT = "client-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> dict[str, Any]:
    public = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


def token(key: Any = KEY, kid: str = "k1", **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "9f0c6a1e",
        "aud": CLIENT,
        "iss": ISSUER,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        # Tokens are made when the tests are collected, which can be minutes before they run.
        "exp": now + 3600,
        "cognito:username": "alice",
    }
    claims.update(changes)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture(scope="module")
def verifier() -> TokenVerifier:
    return TokenVerifier(ISSUER, [CLIENT, "client-2"], jwks())


def test_a_good_token_with_or_without_bearer(verifier: TokenVerifier) -> None:
    good = token()
    assert verifier.verify(good)["sub"] == "9f0c6a1e"
    assert verifier.verify(f"Bearer {good}")["sub"] == "9f0c6a1e"
    assert verifier.verify(f"bearer   {good}")["sub"] == "9f0c6a1e"
    assert verifier.verify(token(aud="client-2"))["aud"] == "client-2"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no token"),
        ("", "no token"),
        ("Bearer", "no token"),
        ("Bearer x.y", "not a JWT"),
        (token(key=OTHER_KEY), "bad signature"),
        (token(kid="k2"), "not the user pool's"),
        (token(aud="someone-else"), "wrong audience"),
        (token(iss="https://cognito-idp.us-east-1.amazonaws.com/other"), "wrong issuer"),
        (token(token_use="access"), "token_use is 'access'"),
        (token(exp=int(time.time()) - 1), "token expired"),
        (token(iat=int(time.time()) + 600), "issued in the future"),
        (jwt.encode({"sub": "x"}, "secret-secret-secret-secret-1234", algorithm="HS256"), "key"),
    ],
)
def test_refusals(verifier: TokenVerifier, header: str | None, reason: str) -> None:
    with pytest.raises(TokenRejected, match=reason):
        verifier.verify(header)


def test_missing_claims_are_refused(verifier: TokenVerifier) -> None:
    now = int(time.time())
    claims = {"aud": CLIENT, "iss": ISSUER, "token_use": "id", "iat": now, "exp": now + 60}
    no_sub = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(TokenRejected, match="no sub claim"):
        verifier.verify(no_sub)


def test_claims_reach_the_function_as_api_gateway_formats_them() -> None:
    claims = gateway_claims(
        {
            "sub": "abc",
            "exp": 1767225600,
            "iat": 1767222000,
            "auth_time": 1767222000,
            "email_verified": True,
            "cognito:groups": ["admins", "users"],
        }
    )
    assert claims == {
        "sub": "abc",
        "exp": "Thu Jan 01 00:00:00 UTC 2026",
        "iat": "Wed Dec 31 23:00:00 UTC 2025",
        "auth_time": "1767222000",
        "email_verified": "true",
        "cognito:groups": "[admins users]",
    }
