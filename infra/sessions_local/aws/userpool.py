"""The local Cognito user pool (moto's), made from the template's pool, app clients and resource
servers so that it has the deployed pool's sign-in rules, scopes and token validities; users on
demand, RS256 tokens."""

from __future__ import annotations

import functools
import json
import logging
import threading
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from session_actions.http.routes import USER_ADMIN_SCOPE

from sessions_local.stack import ClientSpec, ResourceServerSpec, UserPoolSpec

log = logging.getLogger("sessions_local")

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# The app client setting that gives a token's lifetime, by the token's token_use.
_VALIDITY_OF = {"id": "IdToken", "access": "AccessToken"}
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
class IssuedTokens:
    access_token: str
    id_token: str
    username: str  # the name the user signs in with (the email, in an email-username pool)
    sub: str
    expires_in: int  # the access token's
    scope: str  # the access token's, space-separated


class LocalUserPool:
    """One ``AWS::Cognito::UserPool`` of the template, its app clients and resource servers, in
    moto. In a pool whose usernames are emails, ``alice`` is the user ``alice@example.com``; a
    user is made the first time its name is asked for, so the same name is always the same
    ``sub``."""

    def __init__(
        self,
        cognito: Any,
        endpoint: str,
        region: str,
        pool: UserPoolSpec,
        clients: list[ClientSpec],
        resource_servers: Sequence[ResourceServerSpec] = (),
    ) -> None:
        from moto.cognitoidp.models import cognitoidp_backends

        self.cognito = cognito
        self._lock = threading.Lock()
        parameters = _parameters(cognito, "CreateUserPool", pool.logical_id, pool.properties)
        parameters.setdefault("PoolName", pool.logical_id)
        created = cognito.create_user_pool(**parameters)["UserPool"]
        self.pool_id: str = created["Id"]
        self.arn: str = created["Arn"]
        self.admin_only = bool(
            (parameters.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly")
        )
        # moto's own model of the pool signs the tokens: its API has no call that makes one.
        backend: Any = cognitoidp_backends[self.arn.split(":")[4]][region]
        self.model = backend.user_pools[self.pool_id]
        if (mfa := pool.properties.get("MfaConfiguration")) in ("ON", "OPTIONAL"):
            totp = "SOFTWARE_TOKEN_MFA" in (pool.properties.get("EnabledMfas") or [])
            cognito.set_user_pool_mfa_config(
                UserPoolId=self.pool_id,
                MfaConfiguration=mfa,
                SoftwareTokenMfaConfiguration={"Enabled": totp},
            )
        self.email_usernames = "email" in (parameters.get("UsernameAttributes") or [])
        self.scopes: set[str] = set()
        for spec in resource_servers:
            parameters = _parameters(
                cognito, "CreateResourceServer", spec.logical_id, spec.properties
            )
            cognito.create_resource_server(UserPoolId=self.pool_id, **parameters)
            identifier = parameters["Identifier"]
            self.scopes.update(
                f"{identifier}/{s['ScopeName']}" for s in parameters.get("Scopes", [])
            )
        self.client_ids: dict[str, str] = {}
        self.clients: dict[str, Mapping[str, Any]] = {}  # by id: the settings it was made with
        for spec in clients:
            parameters = _parameters(
                cognito, "CreateUserPoolClient", spec.logical_id, spec.properties
            )
            parameters.setdefault("ClientName", spec.logical_id)
            created = cognito.create_user_pool_client(UserPoolId=self.pool_id, **parameters)
            client_id = created["UserPoolClient"]["ClientId"]
            self.client_ids[spec.logical_id] = client_id
            self.clients[client_id] = parameters
        self.default_client = next(iter(self.client_ids))
        # moto mints every token for an hour: here, for as long as its app client says.
        self.model.create_jwt = functools.partial(_create_jwt, self.model.create_jwt, self.clients)
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
                user = self.cognito.admin_get_user(UserPoolId=self.pool_id, Username=username)
                attributes = user["UserAttributes"]
            except self.cognito.exceptions.UserNotFoundException:
                verified_email = [
                    {"Name": "email", "Value": username},
                    {"Name": "email_verified", "Value": "true"},
                ]
                created = self.cognito.admin_create_user(
                    UserPoolId=self.pool_id,
                    Username=username,
                    UserAttributes=verified_email if self.email_usernames else [],
                    MessageAction="SUPPRESS",
                )
                attributes = created["User"]["Attributes"]
                # Confirmed, as a user who signed in is (moto's GetUser takes no other's token).
                self.cognito.admin_confirm_sign_up(UserPoolId=self.pool_id, Username=username)
        return username, {str(a["Name"]): str(a["Value"]) for a in attributes}

    def sub_of(self, username: str | None) -> str | None:
        """The ``sub`` of the user that signs in as ``username``; None if there is none."""
        user = self.model._get_user(username) if username else None
        return None if user is None else str(user.id)

    def issue_tokens(
        self, name: str, ttl: int | None = None, scopes: tuple[str, ...] | None = None
    ) -> IssuedTokens:
        """An access and an ID token for ``name``'s user from the first app client. Without
        ``scopes`` the access token is the one signing in gives (which the pool's own API
        accepts, as ``GetUser``); with them, one carrying exactly those custom scopes, as the
        OAuth 2.0 token endpoint issues it to an app client allowed them (ValueError if not)."""
        client_id = self.client_ids[self.default_client]
        if scopes is not None:
            client = self.clients[client_id]
            # A client without OAuth flows is given no custom scope (Cognito's rule).
            oauth = client.get("AllowedOAuthFlowsUserPoolClient")
            allowed = self.scopes & set(client.get("AllowedOAuthScopes") or ()) if oauth else set()
            if unknown := [scope for scope in scopes if scope not in allowed]:
                offered = ", ".join(sorted(allowed)) or "none"
                raise ValueError(f"scope {unknown[0]} is not allowed (allowed: {offered})")
        username, attributes = self._user(name)
        claims: dict[str, Any] = {
            key: (value == "true" if key in _BOOLEAN_CLAIMS else value)
            for key, value in attributes.items()
            if key != "sub"
        }
        origin_jti = str(uuid.uuid4())
        claims.update({"origin_jti": origin_jti, "event_id": str(uuid.uuid4())})
        id_token, _ = self.model.create_jwt(client_id, username, "id", ttl, claims)
        scope = USER_ADMIN_SCOPE if scopes is None else " ".join(scopes)
        access = {"origin_jti": origin_jti, "event_id": claims["event_id"], "scope": scope}
        access_token, expires_in = self.model.create_jwt(client_id, username, "access", ttl, access)
        if scopes is None:  # registered, as signing in does: GetUser and GlobalSignOut take it
            self.model.access_tokens[access_token] = (client_id, username)
        return IssuedTokens(access_token, id_token, username, attributes["sub"], expires_in, scope)

    def revoke(self, refresh_token: str, client_id: str) -> None:
        """Revoke a refresh token of ``client_id`` and the access tokens issued with it."""
        issued = self.model.refresh_tokens.get(refresh_token)
        if issued is not None and issued[0] == client_id:  # else Cognito answers the same
            self._revoke(lambda name, jti: jti == issued[2])

    def sign_out(self, sub: str | None) -> None:
        """Revoke the user's refresh and access tokens, whatever name it signed in with."""
        self._revoke(lambda name, jti: self.sub_of(name) == sub)

    def _revoke(self, issued_to: Callable[[str, str | None], bool]) -> None:
        """Revoke the tokens ``issued_to(username, origin_jti)`` accepts."""
        for token, issued in list(self.model.refresh_tokens.items()):
            if issued is not None and issued_to(issued[1], issued[2]):
                self.model.refresh_tokens[token] = None
        for token, (_, name) in list(self.model.access_tokens.items()):
            claims = jwt.decode(token, options={"verify_signature": False})
            if issued_to(name, claims.get("origin_jti")):
                self.model.access_tokens.pop(token, None)

    def refresh_refusal(self, refresh_token: str, client_id: str) -> str | None:
        """Why Cognito refuses to refresh with ``refresh_token`` (None: it does not); moto
        refreshes for disabled and deleted users, and with any app client."""
        issued = self.model.refresh_tokens.get(refresh_token)
        user = self.model._get_user(issued[1]) if issued and issued[0] == client_id else None
        if user is None:  # unknown, revoked, another client's, or its user deleted
            return "Refresh Token has been revoked"
        return None if user.enabled else "User is disabled."

    def breaks_password_policy(self, password: str) -> bool:
        """Whether the pool's password policy refuses ``password`` (moto's own check)."""
        from moto.cognitoidp.exceptions import InvalidPasswordException

        try:
            self.model.backend._validate_password(self.pool_id, password)
        except InvalidPasswordException:
            return True
        return False


def _create_jwt(
    create: Callable[..., tuple[str, int]],
    clients: Mapping[str, Mapping[str, Any]],
    client_id: str,
    username: str,
    token_use: str,
    expires_in: int | None = None,
    extra_data: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    """moto's ``create_jwt``, with the app client's validity when no lifetime is given."""
    if expires_in is None:
        expires_in = _validity_s(clients.get(client_id, {}), _VALIDITY_OF[token_use])
    return create(client_id, username, token_use, expires_in, extra_data)


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
