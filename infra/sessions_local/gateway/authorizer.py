"""Checking ID tokens the way API Gateway's Cognito user-pool authorizer does.

A token passes when its RS256 signature verifies against the pool's JWKS, ``iss`` is the pool,
``aud`` is one of the pool's app clients, ``token_use`` is ``id`` and it has not expired. The
verified claims then reach the function as strings, formatted as API Gateway formats them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import jwt

BEARER = "bearer "


class TokenRejected(Exception):
    """Why a request's token was refused (the function is then not called)."""


class TokenVerifier:
    def __init__(self, issuer: str, audiences: Iterable[str], jwks: Mapping[str, Any]) -> None:
        self.issuer = issuer
        self.audiences = sorted(audiences)
        self._keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(dict(jwks)).keys}

    def verify(self, header_value: str | None) -> dict[str, Any]:
        """The token's claims, or TokenRejected saying (for the log) what was wrong."""
        if header_value is None or not header_value.strip():
            raise TokenRejected("no token")
        token = header_value.strip()
        if token[: len(BEARER)].lower() == BEARER:
            token = token[len(BEARER) :].strip()
        if not token or token.lower() == BEARER.strip():
            raise TokenRejected("no token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise TokenRejected(f"not a JWT ({error})") from None
        key = self._keys.get(header.get("kid") or "")
        if key is None:
            raise TokenRejected("signed with a key that is not the user pool's")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=self.audiences,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.InvalidTokenError as error:
            raise TokenRejected(_reason(error)) from None
        if claims.get("token_use") != "id":
            raise TokenRejected(f"token_use is {claims.get('token_use')!r}, not 'id'")
        return claims


_REASONS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.ImmatureSignatureError, "issued in the future"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.DecodeError, "not a JWT"),
)


def _reason(error: jwt.InvalidTokenError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"no {error.claim} claim"
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return str(error) or type(error).__name__


def _date(seconds: Any) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as a REST API's Cognito authorizer passes them: every value a string.

    ``exp`` and ``iat`` become dates (``Thu Jan 01 00:00:00 UTC 2026``), other numbers their
    decimal text, booleans ``true``/``false``, lists ``[a b]``.
    """
    passed: dict[str, str] = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, int | float):
            passed[name] = _date(value)
        elif isinstance(value, bool):
            passed[name] = "true" if value else "false"
        elif isinstance(value, list):
            passed[name] = "[" + " ".join(str(item) for item in value) + "]"
        else:
            passed[name] = str(value)
    return passed
