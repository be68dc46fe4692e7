"""The local Cognito user pool (moto's cognito-idp): users on demand and real RS256 ID tokens.

The pool and its app clients are created from the template's ``AWS::Cognito::UserPool`` and
``AWS::Cognito::UserPoolClient``. A username is created the first time it is asked for and
reused after, so the same name always means the same ``sub``. Tokens are signed by the pool's
key and checked against the JWKS the pool publishes, like Cognito's.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessions_local.template import ClientSpec, UserPoolSpec

DEFAULT_TTL_S = 3600
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


@dataclass(frozen=True)
class IssuedToken:
    id_token: str
    username: str
    sub: str
    expires_in: int


def id_token_ttl(client: ClientSpec) -> int:
    """The app client's ID-token validity in seconds (Cognito's default: one hour)."""
    validity = client.properties.get("IdTokenValidity")
    if validity is None:
        return DEFAULT_TTL_S
    units = (client.properties.get("TokenValidityUnits") or {}).get("IdToken", "hours")
    try:
        return int(validity) * _UNIT_SECONDS.get(str(units), 3600)
    except (TypeError, ValueError):
        return DEFAULT_TTL_S


class LocalUserPool:
    def __init__(
        self,
        cognito: Any,
        endpoint: str,
        region: str,
        pool: UserPoolSpec,
        clients: list[ClientSpec],
    ) -> None:
        self._cognito = cognito
        self._region = region
        self._lock = threading.Lock()
        name = str(pool.properties.get("UserPoolName") or pool.logical_id)
        if not isinstance(pool.properties.get("UserPoolName", ""), str):
            name = pool.logical_id
        self.pool_id: str = cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]
        self.client_ids: dict[str, str] = {}
        self.token_ttl: dict[str, int] = {}
        for spec in clients or [ClientSpec(f"{pool.logical_id}Client", pool.logical_id, {})]:
            created = cognito.create_user_pool_client(
                UserPoolId=self.pool_id,
                ClientName=spec.logical_id,
                ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            )
            self.client_ids[spec.logical_id] = created["UserPoolClient"]["ClientId"]
            self.token_ttl[spec.logical_id] = id_token_ttl(spec)
        self.default_client = next(iter(self.client_ids))
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{self.pool_id}"
        self.arn = f"arn:aws:cognito-idp:{region}:{_account_id()}:userpool/{self.pool_id}"
        self.jwks = _fetch_json(f"{endpoint}/{self.pool_id}/.well-known/jwks.json")

    def ensure_user(self, username: str) -> str:
        """The user's ``sub``, creating the user (confirmed, no password mail) if needed."""
        with self._lock:
            try:
                user = self._cognito.admin_get_user(UserPoolId=self.pool_id, Username=username)
                attributes = user["UserAttributes"]
            except self._cognito.exceptions.UserNotFoundException:
                created = self._cognito.admin_create_user(
                    UserPoolId=self.pool_id, Username=username, MessageAction="SUPPRESS"
                )
                attributes = created["User"]["Attributes"]
        return str(next(a["Value"] for a in attributes if a["Name"] == "sub"))

    def issue_id_token(self, username: str, ttl: int | None = None) -> IssuedToken:
        """A signed ID token for ``username`` from the template's first app client."""
        from moto.cognitoidp.models import cognitoidp_backends

        sub = self.ensure_user(username)
        client_id = self.client_ids[self.default_client]
        expires_in = ttl if ttl is not None else self.token_ttl[self.default_client]
        pool = cognitoidp_backends[_account_id()][self._region].user_pools[self.pool_id]
        extra: dict[str, Any] = pool.get_user_extra_data_by_client_id(client_id, username)
        extra.update({"origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4())})
        token, _ = pool.create_jwt(client_id, username, "id", expires_in, extra_data=extra)
        return IssuedToken(id_token=token, username=username, sub=sub, expires_in=expires_in)


def _account_id() -> str:
    from moto.core.models import DEFAULT_ACCOUNT_ID

    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def _fetch_json(url: str) -> Mapping[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback moto URL
        document: Mapping[str, Any] = json.loads(response.read())
    return document
