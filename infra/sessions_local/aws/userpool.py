"""The local Cognito user pool (moto's cognito-idp): users on demand and real RS256 ID tokens.

The pool and its app clients are created from the template's ``AWS::Cognito::UserPool`` and
``AWS::Cognito::UserPoolClient`` properties, passed to ``CreateUserPool`` and
``CreateUserPoolClient`` as CloudFormation passes them, so that the local pool has the deployed
pool's sign-in rules (username attributes, password policy, admin-only sign-up, MFA) and the app
client its auth flows and token validities. A user is created the first time a name is asked
for and reused after, so the same name always means the same ``sub``. Tokens are signed by the
pool's key and checked against the JWKS the pool publishes, like Cognito's.
"""

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

DEFAULT_TTL_S = 3600
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# A name given without "@" to a pool whose usernames are emails signs in as NAME@LOCAL_DOMAIN:
# example.com is reserved for examples (RFC 2606), so no real mailbox is ever named.
LOCAL_DOMAIN = "example.com"

# CloudFormation's property names are the API's parameter names, except these.
_POOL_RENAMED = {"UserPoolName": "PoolName"}
# Not CreateUserPool parameters: CloudFormation applies them with SetUserPoolMfaConfig after
# the pool is made (creating a pool with MFA on needs an SMS configuration), and so does this.
_POOL_MFA = frozenset(
    {
        "MfaConfiguration",
        "EnabledMfas",
        "EmailAuthenticationMessage",
        "EmailAuthenticationSubject",
        # Passkeys (WebAuthnConfiguration): moto has none, and the local API signs no one in.
        "WebAuthnRelyingPartyID",
        "WebAuthnUserVerification",
    }
)
# The client's UserPoolId is the local pool's id, whatever the template's value resolved to.
_CLIENT_LEFT_OUT = frozenset({"UserPoolId"})
# Claims that Cognito writes as JSON booleans in an ID token (attributes are strings).
_BOOLEAN_CLAIMS = frozenset({"email_verified", "phone_number_verified"})


@dataclass(frozen=True)
class IssuedToken:
    id_token: str
    username: str  # the name the user signs in with (the email, in an email-username pool)
    sub: str
    expires_in: int


def _validity_s(client: ClientSpec, kind: str) -> int:
    """The app client's ``{kind}Validity`` (kind: ``IdToken`` or ``AccessToken``) in seconds,
    in its ``TokenValidityUnits`` (default hours); without one, Cognito's hour."""
    validity = client.properties.get(f"{kind}Validity")
    if validity is None:
        return DEFAULT_TTL_S
    units = (client.properties.get("TokenValidityUnits") or {}).get(kind, "hours")
    try:
        return int(validity) * _UNIT_SECONDS.get(str(units), 3600)
    except (TypeError, ValueError):
        return DEFAULT_TTL_S


def id_token_ttl(client: ClientSpec) -> int:
    """The app client's ID-token validity in seconds (Cognito's default: one hour)."""
    return _validity_s(client, "IdToken")


def access_token_ttl(client: ClientSpec) -> int:
    """The app client's access-token validity in seconds (Cognito's default: one hour)."""
    return _validity_s(client, "AccessToken")


class LocalUserPool:
    """One ``AWS::Cognito::UserPool`` of the template and its app clients, in moto.

    In a pool whose ``UsernameAttributes`` include ``email``, Cognito takes only an email as a
    username, so a name without ``@`` (``alice``) stands for the user whose email is
    ``alice@example.com`` (RFC 2606's reserved domain); a name with ``@`` is that email. The
    user is created as an administrator creates one (``AdminCreateUser``, which
    ``AllowAdminCreateUserOnly`` allows), with the email verified and no invitation sent. In
    other pools the name is the username. Either way the same name is the same user.
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
        properties = pool.properties or {}
        parameters = _api_parameters(
            cognito, "CreateUserPool", pool.logical_id, properties, _POOL_RENAMED, _POOL_MFA
        )
        parameters.setdefault("PoolName", pool.logical_id)
        self.pool_id: str = cognito.create_user_pool(**parameters)["UserPool"]["Id"]
        self._set_mfa(pool.logical_id, properties)
        self.email_usernames = "email" in (parameters.get("UsernameAttributes") or [])
        self.client_ids: dict[str, str] = {}
        self.token_ttl: dict[str, int] = {}
        self.access_token_ttl: dict[str, int] = {}
        self._read_attributes: dict[str, list[str] | None] = {}
        for spec in clients or [ClientSpec(f"{pool.logical_id}Client", pool.logical_id, {})]:
            parameters = _api_parameters(
                cognito,
                "CreateUserPoolClient",
                spec.logical_id,
                spec.properties or {},
                {},
                _CLIENT_LEFT_OUT,
            )
            parameters.setdefault("ClientName", spec.logical_id)
            created = cognito.create_user_pool_client(UserPoolId=self.pool_id, **parameters)
            self.client_ids[spec.logical_id] = created["UserPoolClient"]["ClientId"]
            self.token_ttl[spec.logical_id] = id_token_ttl(spec)
            self.access_token_ttl[spec.logical_id] = access_token_ttl(spec)
            self._read_attributes[spec.logical_id] = parameters.get("ReadAttributes")
        self.default_client = next(iter(self.client_ids))
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{self.pool_id}"
        self.arn = f"arn:aws:cognito-idp:{region}:{_account_id()}:userpool/{self.pool_id}"
        self.jwks = _fetch_json(f"{endpoint}/{self.pool_id}/.well-known/jwks.json")

    def _set_mfa(self, logical_id: str, properties: Mapping[str, Any]) -> None:
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
            request["SmsMfaConfiguration"] = {
                "SmsConfiguration": properties["SmsConfiguration"],
                **_present(properties, SmsAuthenticationMessage="SmsAuthenticationMessage"),
            }
        if "EMAIL_OTP" in enabled:
            request["EmailMfaConfiguration"] = _present(
                properties,
                Message="EmailAuthenticationMessage",
                Subject="EmailAuthenticationSubject",
            )
        parameters = _api_parameters(
            self._cognito, "SetUserPoolMfaConfig", logical_id, request, {}, frozenset()
        )
        self._cognito.set_user_pool_mfa_config(UserPoolId=self.pool_id, **parameters)

    def sign_in_name(self, name: str) -> str:
        """The username Cognito takes for ``name``: ``NAME@example.com`` for a name without
        ``@`` in a pool whose usernames are emails, otherwise ``name`` itself."""
        if self.email_usernames and "@" not in name:
            return f"{name}@{LOCAL_DOMAIN}"
        return name

    def ensure_user(self, name: str) -> str:
        """The ``sub`` of the user ``name`` stands for, creating the user if needed."""
        return self._user_attributes(self.sign_in_name(name))["sub"]

    def _user_attributes(self, username: str) -> dict[str, str]:
        with self._lock:
            try:
                user = self._cognito.admin_get_user(UserPoolId=self.pool_id, Username=username)
                attributes = user["UserAttributes"]
            except self._cognito.exceptions.UserNotFoundException:
                created = self._cognito.admin_create_user(
                    UserPoolId=self.pool_id,
                    Username=username,
                    UserAttributes=self._new_user_attributes(username),
                    MessageAction="SUPPRESS",
                )
                attributes = created["User"]["Attributes"]
        return {str(a["Name"]): str(a["Value"]) for a in attributes}

    def _new_user_attributes(self, username: str) -> list[dict[str, str]]:
        if not self.email_usernames:
            return []
        return [{"Name": "email", "Value": username}, {"Name": "email_verified", "Value": "true"}]

    def issue_id_token(self, name: str, ttl: int | None = None) -> IssuedToken:
        """A signed ID token for the user ``name`` stands for, from the template's first app
        client, with the user's attributes that client may read (all, without
        ``ReadAttributes``), as Cognito's ID tokens carry them."""
        from moto.cognitoidp.models import cognitoidp_backends

        username = self.sign_in_name(name)
        attributes = self._user_attributes(username)
        client_id = self.client_ids[self.default_client]
        expires_in = ttl if ttl is not None else self.token_ttl[self.default_client]
        readable = self._read_attributes[self.default_client]
        extra: dict[str, Any] = {
            key: (value == "true" if key in _BOOLEAN_CLAIMS else value)
            for key, value in attributes.items()
            if key != "sub" and (readable is None or key in readable)
        }
        extra.update({"origin_jti": str(uuid.uuid4()), "event_id": str(uuid.uuid4())})
        pool = cognitoidp_backends[_account_id()][self._region].user_pools[self.pool_id]
        token, _ = pool.create_jwt(client_id, username, "id", expires_in, extra_data=extra)
        return IssuedToken(
            id_token=token, username=username, sub=attributes["sub"], expires_in=expires_in
        )


def _present(properties: Mapping[str, Any], **names: str) -> dict[str, Any]:
    """``{parameter: properties[property]}`` for each ``parameter=property`` that is given."""
    return {key: properties[name] for key, name in names.items() if name in properties}


class _Unfit:
    """A value that does not fit its API parameter's type."""


_UNFIT = _Unfit()


def _api_parameters(
    cognito: Any,
    operation: str,
    logical_id: str,
    properties: Mapping[str, Any],
    renamed: Mapping[str, str],
    left_out: frozenset[str],
) -> dict[str, Any]:
    """The resource's properties as ``operation``'s parameters, typed as the API types them
    (CloudFormation takes ``"60"`` for a number). A property the API has no parameter for, or
    whose value does not fit it, is left out with a warning: the local pool then differs."""
    shape = cognito.meta.service_model.operation_model(operation).input_shape
    parameters: dict[str, Any] = {}
    for name, value in properties.items():
        if name in left_out:
            continue
        parameter = renamed.get(name, name)
        member = shape.members.get(parameter)
        if member is None:
            log.warning("%s: %s has no %s parameter; left out locally", logical_id, name, operation)
            continue
        fitted = _fit(member, value)
        if isinstance(fitted, _Unfit):
            log.warning(
                "%s: %s is not a value %s takes; left out locally", logical_id, name, operation
            )
            continue
        parameters[parameter] = fitted
    return parameters


def _fit(shape: Any, value: Any) -> Any:
    """``value`` as botocore's ``shape`` takes it, or ``_UNFIT``."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping) or not set(value) <= set(shape.members):
            return _UNFIT
        fields = {key: _fit(shape.members[key], item) for key, item in value.items()}
        return _UNFIT if any(isinstance(v, _Unfit) for v in fields.values()) else fields
    if kind == "list":
        if not isinstance(value, list):
            return _UNFIT
        items = [_fit(shape.member, item) for item in value]
        return _UNFIT if any(isinstance(v, _Unfit) for v in items) else items
    if kind == "map":
        if not isinstance(value, Mapping):
            return _UNFIT
        entries = {str(key): _fit(shape.value, item) for key, item in value.items()}
        return _UNFIT if any(isinstance(v, _Unfit) for v in entries.values()) else entries
    if kind == "string":
        if isinstance(value, bool):
            return str(value).lower()
        return str(value) if isinstance(value, str | int | float) else _UNFIT
    if kind in ("integer", "long"):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        return value if isinstance(value, int) and not isinstance(value, bool) else _UNFIT
    if kind == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value if isinstance(value, bool) else _UNFIT
    return _UNFIT


def _account_id() -> str:
    from moto.core.models import DEFAULT_ACCOUNT_ID

    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def _fetch_json(url: str) -> Mapping[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback moto URL
        document: Mapping[str, Any] = json.loads(response.read())
    return document
