"""The local Cognito user pool (moto's), made from the template's pool and app clients so that
it has the deployed pool's sign-in rules and token validities; users on demand, RS256 tokens."""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessions_local.stack import ClientSpec, UserPoolSpec

log = logging.getLogger("sessions_local")

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# example.com is reserved for examples (RFC 2606): no real mailbox is ever named.
LOCAL_DOMAIN = "example.com"
# CloudFormation's property names are the API's parameter names, except this one.
_RENAMED = {"UserPoolName": "PoolName"}
# Left out of the create calls: the MFA ones are set afterwards, as CloudFormation does
# (creating a pool with MFA on needs an SMS configuration); a client's UserPoolId is the local one.
_SET_OTHERWISE = frozenset({"MfaConfiguration", "EnabledMfas", "UserPoolId"})
# Claims that Cognito writes as JSON booleans in an ID token (attributes are strings).
_BOOLEAN_CLAIMS = frozenset({"email_verified", "phone_number_verified"})


@dataclass(frozen=True)
class IssuedToken:
    id_token: str
    username: str  # the name the user signs in with (the email, in an email-username pool)
    sub: str
    expires_in: int


class LocalUserPool:
    """One ``AWS::Cognito::UserPool`` of the template and its app clients, in moto. In a pool
    whose usernames are emails, ``alice`` is the user ``alice@example.com``; a user is made the
    first time its name is asked for, so the same name is always the same ``sub``."""

    def __init__(
        self,
        cognito: Any,
        endpoint: str,
        region: str,
        pool: UserPoolSpec,
        clients: list[ClientSpec],
    ) -> None:
        from moto.cognitoidp.models import cognitoidp_backends

        self._cognito = cognito
        self._lock = threading.Lock()
        parameters = _parameters(cognito, "CreateUserPool", pool.logical_id, pool.properties)
        parameters.setdefault("PoolName", pool.logical_id)
        created = cognito.create_user_pool(**parameters)["UserPool"]
        self.pool_id: str = created["Id"]
        self.arn: str = created["Arn"]
        # moto's own model of the pool signs the tokens: its API has no call that makes one.
        backend = cognitoidp_backends[self.arn.split(":")[4]][region]
        self._signer = backend.user_pools[self.pool_id]
        if (mfa := pool.properties.get("MfaConfiguration")) in ("ON", "OPTIONAL"):
            totp = "SOFTWARE_TOKEN_MFA" in (pool.properties.get("EnabledMfas") or [])
            cognito.set_user_pool_mfa_config(
                UserPoolId=self.pool_id,
                MfaConfiguration=mfa,
                SoftwareTokenMfaConfiguration={"Enabled": totp},
            )
        self.email_usernames = "email" in (parameters.get("UsernameAttributes") or [])
        self.client_ids: dict[str, str] = {}
        self.token_ttl: dict[str, int] = {}
        self.access_token_ttl: dict[str, int] = {}
        for spec in clients:
            parameters = _parameters(
                cognito, "CreateUserPoolClient", spec.logical_id, spec.properties
            )
            parameters.setdefault("ClientName", spec.logical_id)
            created = cognito.create_user_pool_client(UserPoolId=self.pool_id, **parameters)
            self.client_ids[spec.logical_id] = created["UserPoolClient"]["ClientId"]
            self.token_ttl[spec.logical_id] = _validity_s(parameters, "IdToken")
            self.access_token_ttl[spec.logical_id] = _validity_s(parameters, "AccessToken")
        self.default_client = next(iter(self.client_ids))
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{self.pool_id}"
        jwks_url = f"{endpoint}/{self.pool_id}/.well-known/jwks.json"
        with urllib.request.urlopen(jwks_url, timeout=5) as response:  # noqa: S310 - loopback
            self.jwks: Mapping[str, Any] = json.loads(response.read())

    def _user(self, name: str) -> tuple[str, dict[str, str]]:
        """The username Cognito takes for ``name`` (see the class) and the user's attributes;
        the user is made if needed, under a lock so that concurrent first tokens make one."""
        username = f"{name}@{LOCAL_DOMAIN}" if self.email_usernames and "@" not in name else name
        with self._lock:
            try:
                user = self._cognito.admin_get_user(UserPoolId=self.pool_id, Username=username)
                attributes = user["UserAttributes"]
            except self._cognito.exceptions.UserNotFoundException:
                verified_email = [
                    {"Name": "email", "Value": username},
                    {"Name": "email_verified", "Value": "true"},
                ]
                created = self._cognito.admin_create_user(
                    UserPoolId=self.pool_id,
                    Username=username,
                    UserAttributes=verified_email if self.email_usernames else [],
                    MessageAction="SUPPRESS",
                )
                attributes = created["User"]["Attributes"]
        return username, {str(a["Name"]): str(a["Value"]) for a in attributes}

    def issue_id_token(self, name: str, ttl: int | None = None) -> IssuedToken:
        """A signed ID token for ``name``'s user from the first app client, with the user's
        attributes as Cognito's carry them."""
        username, attributes = self._user(name)
        expires_in = ttl if ttl is not None else self.token_ttl[self.default_client]
        claims: dict[str, Any] = {
            key: (value == "true" if key in _BOOLEAN_CLAIMS else value)
            for key, value in attributes.items()
            if key != "sub"
        }
        claims.update({"origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4())})
        client_id = self.client_ids[self.default_client]
        token, _ = self._signer.create_jwt(client_id, username, "id", expires_in, claims)
        return IssuedToken(token, username, attributes["sub"], expires_in)


def _parameters(
    cognito: Any, operation: str, logical_id: str, properties: Mapping[str, Any]
) -> dict[str, Any]:
    """The properties ``operation`` has parameters for (botocore checks their values)."""
    members = cognito.meta.service_model.operation_model(operation).input_shape.members
    parameters: dict[str, Any] = {}
    for name, value in properties.items():
        if name in _SET_OTHERWISE:
            continue
        parameter = _RENAMED.get(name, name)
        if parameter not in members:
            # The local pool then differs from the deployed one: say so.
            log.warning("%s: %s has no %s parameter; left out locally", logical_id, name, operation)
            continue
        parameters[parameter] = value
    return parameters


def _validity_s(client: Mapping[str, Any], kind: str) -> int:
    """The client's ``{kind}Validity`` in seconds; without one, Cognito's hour."""
    validity = client.get(f"{kind}Validity")
    units = (client.get("TokenValidityUnits") or {}).get(kind, "hours")
    return 3600 if validity is None else int(validity) * _UNIT_SECONDS[units]
