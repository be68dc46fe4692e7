"""The Cognito user-pool API of the local pools, as the AWS SDKs call it: the operations a front
end and an administrator's script (any credentials, this machine only) need, moto's once botocore
has checked the parameters, and refused with Cognito's errors where moto would accept what Cognito
refuses (an SRP proof, a sign-up to an admin-only pool, any confirmation code, ...)."""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import jwt
from botocore.model import StructureShape

from sessions_local.aws.embedded import FAKE_KEY
from sessions_local.aws.userpool import LocalUserPool

log = logging.getLogger("sessions_local")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
# What the local pool answers: the contract's operations, and those whose checks moto makes as
# Cognito does. Others would change the pool or its clients (which are the template's) or are
# checked by moto less than by Cognito.
ALLOWED = {
    *("InitiateAuth", "RespondToAuthChallenge", "GetTokensFromRefreshToken", "RevokeToken"),
    *("GetUser", "ChangePassword", "GlobalSignOut", "SignUp", "ConfirmSignUp", "ListUsers"),
    *("AdminCreateUser", "AdminSetUserPassword", "AdminDeleteUser", "AdminGetUser"),
    *("AdminDisableUser", "AdminEnableUser", "AdminUserGlobalSignOut", "AdminInitiateAuth"),
    *("AdminRespondToAuthChallenge", "DescribeUserPool", "DescribeUserPoolClient"),
    *("ListUserPoolClients", "DescribeResourceServer", "ListResourceServers"),
}
# The flows whose every check moto makes (a password compared, a refresh token looked up).
_REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
_CHECKED_FLOWS = {
    "InitiateAuth": ("USER_PASSWORD_AUTH", *_REFRESH_FLOWS),
    "AdminInitiateAuth": ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", *_REFRESH_FLOWS),
}
# The ExplicitAuthFlows value that allows a flow, where it is not ALLOW_<flow>; and the flows
# a client created without ExplicitAuthFlows allows.
_ALLOWED_AS = {
    "REFRESH_TOKEN": "REFRESH_TOKEN_AUTH",
    "ADMIN_NO_SRP_AUTH": "ADMIN_USER_PASSWORD_AUTH",
}
_DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
_WORKS = "sign in with (ADMIN_)USER_PASSWORD_AUTH, refresh with REFRESH_TOKEN_AUTH"


class CognitoError(Exception):
    """A refusal: its error type and message."""


@dataclass(frozen=True)
class CognitoAnswer:
    operation: str  # "" when the request names none
    status: int
    body: bytes
    error_type: str | None = None


class CognitoApi:
    """The user-pool API of ``pools``, forwarded to moto's Cognito at ``endpoint``."""

    def __init__(self, endpoint: str, region: str, pools: Sequence[LocalUserPool]) -> None:
        import botocore.session
        from botocore.validate import ParamValidator

        self._model = botocore.session.get_session().get_service_model("cognito-idp")
        self._validator = ParamValidator()
        self._endpoint = endpoint
        # moto finds a user pool in the region this names (the SDKs sign no sign-in calls).
        credential = f"{FAKE_KEY}/20000101/{region}/cognito-idp/aws4_request"
        self._headers = {
            "Content-Type": CONTENT_TYPE,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}",
        }
        self._pools = pools
        self._codes: dict[str, str] = {}  # by the user's sub: the code that confirms its sign-up
        self._lock = threading.Lock()

    def call(self, target: str | None, body: bytes, administrator: bool) -> CognitoAnswer:
        """The answer to one request, given its ``X-Amz-Target`` and body; ``administrator``:
        whether it may be an administrator's (it comes from this machine, not a browser page)."""
        name = (target or "").removeprefix(TARGET_PREFIX)
        named = TARGET_PREFIX + name == target and name in self._model.operation_names
        operation = name if named else ""
        try:
            if not operation:
                raise CognitoError("UnknownOperationException", f"Unknown operation {target}")
            if operation not in ALLOWED:
                message = f"No local {operation}: the local pool is the one template.yaml makes"
                raise CognitoError("UnsupportedOperationException", message)
            model = self._model.operation_model(operation)
            if model.auth_type != "none" and not administrator:
                message = f"{operation} is an administrator's: it is taken from this machine only"
                raise CognitoError("NotAuthorizedException", message)
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = None
            if not isinstance(params, dict):
                raise CognitoError("SerializationException", "The body is not a JSON object")
            # Parameters newer than botocore's model are moto's business (it ignores them).
            shape = cast(StructureShape, model.input_shape)  # every operation has one
            known = {k: v for k, v in params.items() if k in shape.members}
            report = self._validator.validate(known, shape)
            if report.has_errors():  # without the values, which may be secrets
                message = re.sub(r", value: .*?, type: ", ", type: ", report.generate_report())
                raise CognitoError("InvalidParameterException", message)
            return self._call(operation, params)
        except CognitoError as error:
            refusal = {"__type": error.args[0], "message": error.args[1]}
            return CognitoAnswer(operation, 400, json.dumps(refusal).encode(), error.args[0])

    def _call(self, operation: str, params: dict[str, Any]) -> CognitoAnswer:
        client_id = params.get("ClientId")
        pool_id = params.get("UserPoolId")
        pools = [p for p in self._pools if client_id in p.clients or pool_id == p.pool_id]
        pool = pools[0] if pools else None
        client = pool.clients.get(client_id) if pool and client_id else None
        if operation == "RevokeToken":  # which moto lacks
            if pool is None or client is None:
                raise CognitoError("ResourceNotFoundException", f"No client {client_id}")
            if client.get("EnableTokenRevocation") is False:
                message = "Token revocation is not enabled for this client"
                raise CognitoError("UnsupportedOperationException", message)
            pool.revoke(params["Token"], params["ClientId"])
            return CognitoAnswer(operation, 200, b"{}")
        if operation == "GetTokensFromRefreshToken":  # which moto lacks; a refresh's answer
            refresh = {"REFRESH_TOKEN": params.pop("RefreshToken")}
            params.update(AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters=refresh)
            return replace(self._initiate("InitiateAuth", params, pool), operation=operation)
        if operation in _CHECKED_FLOWS:
            return self._initiate(operation, params, pool)
        if operation in ("RespondToAuthChallenge", "AdminRespondToAuthChallenge"):
            challenge = params["ChallengeName"]
            if challenge != "NEW_PASSWORD_REQUIRED":  # moto checks it against the pool's policy
                message = f"The local user pool cannot check a {challenge} answer: {_WORKS}"
                raise CognitoError("InvalidParameterException", message)
            # moto sets the password of whichever user the answer names.
            started = pool.model.backend.sessions.get(params.get("Session")) if pool else None
            named = (params.get("ChallengeResponses") or {}).get("USERNAME")
            if pool and (started is None or pool.sub_of(started[0]) != pool.sub_of(named)):
                raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
        if pool is not None and operation == "SignUp":
            return self._sign_up(pool, params)
        confirming = None  # the sub whose sign-up code this confirms
        if pool is not None and operation == "ConfirmSignUp":
            confirming = self._check_code(pool, params)
        if pool is not None and operation == "AdminCreateUser":
            # No invitation is sent (moto's RESEND would make a second user): a password is given.
            if "TemporaryPassword" not in params or params.get("MessageAction") == "RESEND":
                message = "The local user pool sends no invitations: give a TemporaryPassword"
                raise CognitoError("UnsupportedOperationException", message)
            if pool.breaks_password_policy(params["TemporaryPassword"]):
                message = "Password did not conform with policy"
                raise CognitoError("InvalidPasswordException", message)
        answer = self._forward(operation, params)
        if answer.status == 200 and confirming:  # a code confirms once; a failed try keeps it
            with self._lock:
                self._codes.pop(confirming, None)
        # moto signs out the one name the user signed in with; Cognito, the user.
        if answer.status == 200 and operation == "GlobalSignOut":
            claims = jwt.decode(params["AccessToken"], options={"verify_signature": False})
            for each in self._pools:  # a sub is of one pool
                each.sign_out(claims["sub"])
        elif answer.status == 200 and operation == "AdminUserGlobalSignOut" and pool:
            pool.sign_out(pool.sub_of(params["Username"]))
        return answer

    def _initiate(self, operation: str, params: Any, pool: LocalUserPool | None) -> CognitoAnswer:
        """Only a flow the client allows (moto ignores ExplicitAuthFlows) and whose proof moto
        checks (not an SRP proof or custom challenge); one refusal for any wrong sign-in."""
        flow, client = params["AuthFlow"], pool.clients.get(params["ClientId"]) if pool else None
        settings = client or {}
        allowed = settings.get("ExplicitAuthFlows") or _DEFAULT_FLOWS
        if client is not None and "ALLOW_" + _ALLOWED_AS.get(flow, flow) not in allowed:
            message = f"{flow} flow not enabled for this client"
            raise CognitoError("InvalidParameterException", message)
        if flow not in _CHECKED_FLOWS[operation]:
            message = f"The local user pool cannot check {flow} as Cognito does: {_WORKS}"
            raise CognitoError("InvalidParameterException", message)
        given = params.get("AuthParameters") or {}
        needed = ("REFRESH_TOKEN",) if flow in _REFRESH_FLOWS else ("USERNAME", "PASSWORD")
        if missing := [name for name in needed if not given.get(name)]:
            message = f"Missing required parameter {missing[0]}"
            raise CognitoError("InvalidParameterException", message)
        token = given["REFRESH_TOKEN"] if flow in _REFRESH_FLOWS else None
        if pool and token and (refusal := pool.refresh_refusal(token, params["ClientId"])):
            raise CognitoError("NotAuthorizedException", refusal)
        answer = self._forward(operation, params)
        # Where the client prevents user existence errors, an unknown user is a wrong password.
        prevented = settings.get("PreventUserExistenceErrors") == "ENABLED"
        hidden = "UserNotFoundException" if prevented else None
        disabled = b"User is disabled" in answer.body  # which Cognito says as well
        if answer.error_type in ("NotAuthorizedException", hidden) and not disabled:
            raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        return answer

    def _sign_up(self, pool: LocalUserPool, params: Mapping[str, Any]) -> CognitoAnswer:
        """Where sign-up is allowed, its confirmation code goes to the log (no mail is sent)."""
        if pool.admin_only:
            message = "SignUp is not permitted for this user pool"
            raise CognitoError("NotAuthorizedException", message)
        answer = self._forward("SignUp", params)
        if answer.status == 200:
            code = f"{secrets.randbelow(10**6):06d}"
            with self._lock:
                self._codes[json.loads(answer.body)["UserSub"]] = code
            log.info("confirmation code for %s: %s", params["Username"], code)
        return answer

    def _check_code(self, pool: LocalUserPool, params: Mapping[str, Any]) -> str:
        """The user's sub, if the code is the one its sign-up logged."""
        sub = pool.sub_of(params["Username"])  # an unknown user has no code either
        with self._lock:
            if sub is None or self._codes.get(sub) != params["ConfirmationCode"]:
                message = "Invalid verification code provided, please try again."
                raise CognitoError("CodeMismatchException", message)
        return sub

    def _forward(self, operation: str, params: Mapping[str, Any]) -> CognitoAnswer:
        request = urllib.request.Request(  # noqa: S310 - moto's server on loopback
            self._endpoint + "/",
            data=json.dumps(params).encode(),
            method="POST",
            headers={**self._headers, "X-Amz-Target": TARGET_PREFIX + operation},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return CognitoAnswer(operation, response.status, response.read())
        except urllib.error.HTTPError as error:
            error_type = error.headers.get("X-Amzn-ErrorType")
            if error.code >= 500 or not error_type:
                # moto fails on what it does not expect, as a parameter missing or of a wrong type.
                log.warning("the embedded Cognito failed on %s (HTTP %s)", operation, error.code)
                message = f"The local user pool cannot take this {operation}"
                raise CognitoError("InvalidParameterException", message) from None
            return CognitoAnswer(operation, error.code, error.read(), error_type)
