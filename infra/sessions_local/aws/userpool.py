"""The local Cognito user pool (moto's): made from the template's pool and app clients, so it
has the deployed pool's sign-in rules and token validities; users on demand, real RS256 tokens."""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessions_local.stack import ClientSpec, UserPoolSpec

log = logging.getLogger("sessions_local")

_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# A name given without "@" to a pool whose usernames are emails signs in as NAME@LOCAL_DOMAIN:
# example.com is reserved for examples (RFC 2606), so no real mailbox is ever named.
LOCAL_DOMAIN = "example.com"
# CloudFormation's property names are the API's parameter names, except this one.
_RENAMED = {"UserPoolName": "PoolName"}
# Not passed to the create calls. CloudFormation applies the MFA ones with SetUserPoolMfaConfig
# after the pool is made (creating a pool with MFA on needs an SMS configuration), and so does
# this; passkeys (WebAuthn*): moto has none, and the local API signs no one in; the client's
# UserPoolId is the local pool's id, whatever the template's value resolved to.
_SET_OTHERWISE = frozenset(
    {
        "MfaConfiguration",
        "EnabledMfas",
        "EmailAuthenticationMessage",
        "EmailAuthenticationSubject",
        "WebAuthnRelyingPartyID",
        "WebAuthnUserVerification",
        "UserPoolId",
    }
)
# Claims that Cognito writes as JSON booleans in an ID token (attributes are strings).
_BOOLEAN_CLAIMS = frozenset({"email_verified", "phone_number_verified"})


@dataclass(frozen=True)
class IssuedToken:
    id_token: str
    username: str  # the name the user signs in with (the email, in an email-username pool)
    sub: str
    expires_in: int


class LocalUserPool:
    """One ``AWS::Cognito::UserPool`` of the template and its app clients, in moto.

    Cognito takes only emails as usernames in a pool whose ``UsernameAttributes`` include
    ``email``: there a name without ``@`` (``alice``) is the user ``alice@example.com``. A user
    is made, as an administrator makes one, the first time its name is asked for, so the same
    name is always the same ``sub``.
    """

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
        parameters = _parameters(cognito, "CreateUserPool", pool.logical_id, pool.properties)
        parameters.setdefault("PoolName", pool.logical_id)
        self.pool_id: str = cognito.create_user_pool(**parameters)["UserPool"]["Id"]
        self._set_mfa(pool.properties)
        self.email_usernames = "email" in (parameters.get("UsernameAttributes") or [])
        self.client_ids: dict[str, str] = {}
        self.token_ttl: dict[str, int] = {}
        self.access_token_ttl: dict[str, int] = {}
        self._read_attributes: dict[str, list[str] | None] = {}
        for spec in clients or [ClientSpec(f"{pool.logical_id}Client", pool.logical_id, {})]:
            parameters = _parameters(
                cognito, "CreateUserPoolClient", spec.logical_id, spec.properties
            )
            parameters.setdefault("ClientName", spec.logical_id)
            created = cognito.create_user_pool_client(UserPoolId=self.pool_id, **parameters)
            self.client_ids[spec.logical_id] = created["UserPoolClient"]["ClientId"]
            self.token_ttl[spec.logical_id] = _validity_s(parameters, "IdToken")
            self.access_token_ttl[spec.logical_id] = _validity_s(parameters, "AccessToken")
            self._read_attributes[spec.logical_id] = parameters.get("ReadAttributes")
        self.default_client = next(iter(self.client_ids))
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{self.pool_id}"
        self.arn = f"arn:aws:cognito-idp:{region}:{_account_id()}:userpool/{self.pool_id}"
        jwks_url = f"{endpoint}/{self.pool_id}/.well-known/jwks.json"
        with urllib.request.urlopen(jwks_url, timeout=5) as response:  # noqa: S310 - loopback
            self.jwks: Mapping[str, Any] = json.loads(response.read())

    def _set_mfa(self, properties: Mapping[str, Any]) -> None:
        """``MfaConfiguration`` ON or OPTIONAL with the factors of ``EnabledMfas``."""
        mode = properties.get("MfaConfiguration")
        if mode not in ("ON", "OPTIONAL"):
            return
        enabled = properties.get("EnabledMfas") or []
        request: dict[str, Any] = {
            "MfaConfiguration": mode,
            "SoftwareTokenMfaConfiguration": {"Enabled": "SOFTWARE_TOKEN_MFA" in enabled},
        }
        if "SMS_MFA" in enabled and properties.get("SmsConfiguration") is not None:
            request["SmsMfaConfiguration"] = _present(
                properties,
                SmsConfiguration="SmsConfiguration",
                SmsAuthenticationMessage="SmsAuthenticationMessage",
            )
        if "EMAIL_OTP" in enabled:
            request["EmailMfaConfiguration"] = _present(
                properties,
                Message="EmailAuthenticationMessage",
                Subject="EmailAuthenticationSubject",
            )
        self._cognito.set_user_pool_mfa_config(UserPoolId=self.pool_id, **request)

    def sign_in_name(self, name: str) -> str:
        """The username Cognito takes for ``name`` (see the class)."""
        if self.email_usernames and "@" not in name:
            return f"{name}@{LOCAL_DOMAIN}"
        return name

    def ensure_user(self, name: str) -> str:
        """The ``sub`` of the user ``name`` stands for, creating the user if needed."""
        return self._user_attributes(self.sign_in_name(name))["sub"]

    def _user_attributes(self, username: str) -> dict[str, str]:
        # One lock, so that concurrent first tokens for a name make one user.
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
        return {str(a["Name"]): str(a["Value"]) for a in attributes}

    def issue_id_token(self, name: str, ttl: int | None = None) -> IssuedToken:
        """A signed ID token for ``name``'s user from the first app client, with the attributes
        that client may read (all, without ``ReadAttributes``), as Cognito's carry them."""
        from moto.cognitoidp.models import cognitoidp_backends

        username = self.sign_in_name(name)
        attributes = self._user_attributes(username)
        expires_in = ttl if ttl is not None else self.token_ttl[self.default_client]
        readable = self._read_attributes[self.default_client]
        claims: dict[str, Any] = {
            key: (value == "true" if key in _BOOLEAN_CLAIMS else value)
            for key, value in attributes.items()
            if key != "sub" and (readable is None or key in readable)
        }
        claims.update({"origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4())})
        pool = cognitoidp_backends[_account_id()][self._region].user_pools[self.pool_id]
        client_id = self.client_ids[self.default_client]
        token, _ = pool.create_jwt(client_id, username, "id", expires_in, extra_data=claims)
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


def _present(properties: Mapping[str, Any], **names: str) -> dict[str, Any]:
    """``{parameter: properties[property]}`` for each ``parameter=property`` that is given."""
    return {key: properties[name] for key, name in names.items() if name in properties}


def _validity_s(client: Mapping[str, Any], kind: str) -> int:
    """The client's ``{kind}Validity`` in seconds; without one, Cognito's hour."""
    validity = client.get(f"{kind}Validity")
    if validity is None:
        return 3600
    units = (client.get("TokenValidityUnits") or {}).get(kind, "hours")
    return int(validity) * _UNIT_SECONDS.get(units, 3600)


def _account_id() -> str:
    from moto.core.models import DEFAULT_ACCOUNT_ID

    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)
