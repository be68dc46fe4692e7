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

from tests.route_table import READ, USER_ADMIN, WRITE

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"
CLIENT = "client-1"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks() -> dict[str, Any]:
    public = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}


def signed(claims: dict[str, Any], key: Any = KEY, kid: str = "k1") -> str:
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def token(key: Any = KEY, kid: str = "k1", **changes: Any) -> str:
    """An access token as Cognito issues one on sign-in (no ``aud``: ``client_id``)."""
    now = int(time.time())
    claims = {
        "sub": "9f0c6a1e",
        "client_id": CLIENT,
        "iss": ISSUER,
        "token_use": "access",
        "scope": USER_ADMIN,
        "iat": now,
        "auth_time": now,
        # Tokens are made when the tests are collected, which can be minutes before they run.
        "exp": now + 3600,
        "username": "9f0c6a1e",
    }
    claims.update(changes)
    return signed({name: value for name, value in claims.items() if value is not None}, key, kid)


def id_token(**changes: Any) -> str:
    kind = {"client_id": None, "scope": None, "username": None, "aud": CLIENT, "token_use": "id"}
    return token(**{**kind, **changes})


@pytest.fixture(scope="module")
def verifier() -> TokenVerifier:
    return TokenVerifier(ISSUER, jwks())


def test_a_good_token_with_or_without_bearer(verifier: TokenVerifier) -> None:
    good = token()
    assert verifier.verify(good, READ)["sub"] == "9f0c6a1e"
    assert verifier.verify(f"Bearer {good}", READ)["sub"] == "9f0c6a1e"
    assert verifier.verify(f"bearer   {good}", WRITE)["sub"] == "9f0c6a1e"


def test_one_of_the_methods_scopes_is_enough(verifier: TokenVerifier) -> None:
    both = token(scope="sessions/read sessions/write")
    assert verifier.verify(both, READ)["scope"] == "sessions/read sessions/write"
    assert verifier.verify(both, WRITE)["sub"] == "9f0c6a1e"
    assert verifier.verify(token(scope="sessions/read"), READ)["sub"] == "9f0c6a1e"
    with pytest.raises(TokenRejected) as refused:
        verifier.verify(token(scope="sessions/read"), WRITE)
    assert str(refused.value) == (
        "missing scope: this method needs one of sessions/write, aws.cognito.signin.user.admin;"
        " the token has sessions/read"
    )


def test_any_app_client_of_the_pool_will_do(verifier: TokenVerifier) -> None:
    # API Gateway's authorizer names the user pool, not its app clients.
    assert verifier.verify(token(client_id="another-client"), READ)["client_id"] == "another-client"
    assert verifier.verify(id_token(aud="another-client"))["aud"] == "another-client"


def test_a_method_without_scopes_takes_the_id_token(verifier: TokenVerifier) -> None:
    # API Gateway's rule: no authorization scopes on the method, the ID token.
    assert verifier.verify(id_token())["aud"] == CLIENT
    with pytest.raises(TokenRejected, match="token_use is 'access', not 'id'"):
        verifier.verify(token())


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "no token"),
        ("", "no token"),
        ("Bearer", "no token"),
        ("Bearer x.y", "not a JWT"),
        (token(key=OTHER_KEY), "bad signature"),
        (token(kid="k2"), "not the user pool's"),
        (token(iss="https://cognito-idp.us-east-1.amazonaws.com/other"), "wrong issuer"),
        (id_token(), "token_use is 'id', not 'access'"),
        (token(token_use=None), "no token_use claim"),
        (token(scope=None), "missing scope: .* the token has none"),
        (token(scope="sessions/write"), "missing scope: this method needs one of sessions/read"),
        (token(scope="sessions/read/more"), "missing scope"),
        (token(exp=int(time.time()) - 1), "token expired"),
        (token(iat=int(time.time()) + 600), "issued in the future"),
        (jwt.encode({"sub": "x"}, "secret-secret-secret-secret-1234", algorithm="HS256"), "key"),
    ],
)
def test_refusals(verifier: TokenVerifier, header: str | None, reason: str) -> None:
    with pytest.raises(TokenRejected, match=reason):
        verifier.verify(header, READ)


def test_missing_claims_are_refused(verifier: TokenVerifier) -> None:
    with pytest.raises(TokenRejected, match="no sub claim"):
        verifier.verify(token(sub=None), READ)


def test_claims_reach_the_function_as_api_gateway_formats_them() -> None:
    claims = gateway_claims(
        {
            "sub": "abc",
            "exp": 1767225600,
            "iat": 1767222000,
            "auth_time": 1767222000,
            "email_verified": True,
            "cognito:groups": ["admins", "users"],
            "scope": "sessions/read sessions/write",
            "version": 2,
        }
    )
    assert claims == {
        "sub": "abc",
        "exp": "Thu Jan 01 00:00:00 UTC 2026",
        "iat": "Wed Dec 31 23:00:00 UTC 2025",
        "auth_time": "1767222000",
        "email_verified": "true",
        "cognito:groups": "[admins users]",
        "scope": "sessions/read sessions/write",  # one string, space-separated, as in the token
        "version": "2",
    }
