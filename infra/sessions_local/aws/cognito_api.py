"""The Cognito user-pool API of the local pools, as the AWS SDKs call it: each operation is
moto's, except where moto accepts what Cognito would refuse (an SRP proof it never checks, a
sign-up to a pool only administrators may add users to, any confirmation code): those the local
API refuses, with Cognito's error types. Administrators' operations take any credentials."""

from __future__ import annotations

import json
import logging
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sessions_local.aws.embedded import FAKE_KEY
from sessions_local.aws.userpool import LocalUserPool

log = logging.getLogger("sessions_local")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
# The flows whose every check moto makes (a password compared, a refresh token looked up).
_REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")
CHECKED_FLOWS = {
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
# The one challenge whose answer moto checks: a new password, against the pool's policy.
CHECKED_CHALLENGE = "NEW_PASSWORD_REQUIRED"
_WORKS = "sign in with USER_PASSWORD_AUTH, refresh with REFRESH_TOKEN_AUTH"
# Operations moto would answer without the check Cognito makes.
_UNCHECKED = {
    "ForgotPassword": "an administrator sets a password with AdminSetUserPassword",
    "ConfirmForgotPassword": "an administrator sets a password with AdminSetUserPassword",
    "AssociateSoftwareToken": "the local user pool has no multi-factor authentication",
    "VerifySoftwareToken": "the local user pool has no multi-factor authentication",
}
_WRONG_CODE = "Invalid verification code provided, please try again."


class CognitoError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type, self.message = error_type, message


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
        from botocore.model import StringShape
        from moto.cognitoidp.responses import CognitoIdpResponse
        from moto.core.utils import camelcase_to_underscores

        model = botocore.session.get_session().get_service_model("cognito-idp")
        self.operations = frozenset(model.operation_names)
        self._flows = frozenset(cast(StringShape, model.shape_for("AuthFlowType")).enum)
        self._in_moto = {
            name
            for name in self.operations
            if hasattr(CognitoIdpResponse, camelcase_to_underscores(name))
        }
        self._endpoint = endpoint
        # moto finds a user pool in the region this names (the SDKs sign no sign-in calls).
        self._authorization = (
            f"AWS4-HMAC-SHA256 Credential={FAKE_KEY}/20000101/{region}/cognito-idp/aws4_request, "
            "SignedHeaders=host, Signature=0"
        )
        self._pools = pools
        self._codes: dict[str, str] = {}  # by the user's sub: the code that confirms its sign-up
        self._lock = threading.Lock()

    def call(self, target: str | None, body: bytes) -> CognitoAnswer:
        """The answer to one request, given its ``X-Amz-Target`` and body."""
        operation = (target or "").removeprefix(TARGET_PREFIX)
        if not (target or "").startswith(TARGET_PREFIX) or operation not in self.operations:
            operation = ""
        try:
            if not operation:
                raise CognitoError("UnknownOperationException", f"Unknown operation {target}")
            try:
                params = json.loads(body or b"{}")
            except ValueError:
                params = None
            if not isinstance(params, dict):
                raise CognitoError("SerializationException", "The body is not a JSON object")
            return self._call(operation, params)
        except CognitoError as error:
            message = {"__type": error.error_type, "message": error.message}
            return CognitoAnswer(operation, 400, json.dumps(message).encode(), error.error_type)

    def _call(self, operation: str, params: Mapping[str, Any]) -> CognitoAnswer:
        if reason := _UNCHECKED.get(operation):
            raise CognitoError("UnsupportedOperationException", f"{operation} is refused: {reason}")
        client_id = str(params.get("ClientId"))
        pool = next(
            (
                p
                for p in self._pools
                if client_id in p.clients or params.get("UserPoolId") == p.pool_id
            ),
            None,
        )
        client = pool.clients.get(client_id) if pool else None
        if operation == "RevokeToken":  # which moto lacks
            if pool is None or client is None:
                raise CognitoError("ResourceNotFoundException", f"No client {client_id}")
            if client.get("EnableTokenRevocation") is False:
                message = "Token revocation is not enabled for this client"
                raise CognitoError("UnsupportedOperationException", message)
            pool.revoke(str(params.get("Token")), client_id)
            return CognitoAnswer(operation, 200, b"{}")
        if operation not in self._in_moto:
            message = f"{operation} is not available on the local user pool"
            raise CognitoError("UnsupportedOperationException", message)
        if operation in CHECKED_FLOWS:
            return self._initiate_auth(operation, params, client)
        if operation in ("RespondToAuthChallenge", "AdminRespondToAuthChallenge"):
            challenge = params.get("ChallengeName")
            if challenge != CHECKED_CHALLENGE:
                message = f"The local user pool cannot check a {challenge} answer: {_WORKS}"
                raise CognitoError("InvalidParameterException", message)
            # moto sets the password of whichever user the answer names.
            started = pool.model.backend.sessions.get(str(params.get("Session"))) if pool else None
            answers = params.get("ChallengeResponses")
            named = answers.get("USERNAME") if isinstance(answers, dict) else None
            if pool and (started is None or pool.sub_of(started[0]) != pool.sub_of(named)):
                raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
        if pool is not None and operation == "SignUp":
            return self._sign_up(pool, params)
        if pool is not None and operation == "ConfirmSignUp":
            self._check_code(pool, params)
        if pool is not None and operation == "AdminCreateUser":
            password = params.get("TemporaryPassword")
            if isinstance(password, str) and pool.breaks_password_policy(password):
                message = "Password did not conform with policy"
                raise CognitoError("InvalidPasswordException", message)
        return self._forward(operation, params)

    def _initiate_auth(
        self, operation: str, params: Mapping[str, Any], client: Mapping[str, Any] | None
    ) -> CognitoAnswer:
        """Only a flow the client allows (moto ignores ExplicitAuthFlows) and whose proof moto
        checks (not an SRP proof or custom challenge); one refusal for any wrong sign-in."""
        flow = params.get("AuthFlow")
        if isinstance(flow, str) and flow in self._flows:  # else moto says it is none
            allowed = (client or {}).get("ExplicitAuthFlows") or _DEFAULT_FLOWS
            if client is not None and "ALLOW_" + _ALLOWED_AS.get(flow, flow) not in allowed:
                message = f"{flow} flow not enabled for this client"
                raise CognitoError("InvalidParameterException", message)
            if flow not in CHECKED_FLOWS[operation]:
                works = (
                    f"sign in with {CHECKED_FLOWS[operation][0]}, refresh with REFRESH_TOKEN_AUTH"
                )
                message = f"The local user pool cannot check {flow} as Cognito does: {works}"
                raise CognitoError("InvalidParameterException", message)
        answer = self._forward(operation, params)
        prevent = (client or {}).get("PreventUserExistenceErrors") == "ENABLED"
        refused = ("NotAuthorizedException", "UserNotFoundException" if prevent else "")
        disabled = b"User is disabled" in answer.body  # which Cognito says as well
        if flow not in _REFRESH_FLOWS and answer.error_type in refused and not disabled:
            raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
        return answer

    def _sign_up(self, pool: LocalUserPool, params: Mapping[str, Any]) -> CognitoAnswer:
        """Where sign-up is allowed, its confirmation code goes to the log (no mail is sent)."""
        if pool.admin_only:
            raise CognitoError(
                "NotAuthorizedException", "SignUp is not permitted for this user pool"
            )
        answer = self._forward("SignUp", params)
        if answer.status == 200:
            code = f"{secrets.randbelow(10**6):06d}"
            with self._lock:
                self._codes[json.loads(answer.body)["UserSub"]] = code
            log.info("confirmation code for %s: %s", params.get("Username"), code)
        return answer

    def _check_code(self, pool: LocalUserPool, params: Mapping[str, Any]) -> None:
        sub = pool.sub_of(params.get("Username"))  # an unknown user has no code either
        with self._lock:
            if sub is None or self._codes.get(sub) != params.get("ConfirmationCode"):
                raise CognitoError("CodeMismatchException", _WRONG_CODE)
            del self._codes[sub]

    def _forward(self, operation: str, params: Mapping[str, Any]) -> CognitoAnswer:
        request = urllib.request.Request(  # noqa: S310 - moto's server on loopback
            self._endpoint + "/",
            data=json.dumps(params).encode(),
            method="POST",
            headers={
                "X-Amz-Target": TARGET_PREFIX + operation,
                "Content-Type": CONTENT_TYPE,
                "Authorization": self._authorization,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return CognitoAnswer(operation, response.status, response.read())
        except urllib.error.HTTPError as error:
            body = error.read()
            try:
                error_type = str(json.loads(body)["__type"])
            except (ValueError, KeyError, TypeError):
                error_type = ""
            if error.code >= 500 or not error_type:
                # moto fails on what it does not expect, as a parameter missing or of a wrong type.
                log.warning("the embedded Cognito failed on %s (HTTP %s)", operation, error.code)
                message = (
                    f"The local user pool cannot take this {operation}: a parameter is not valid"
                )
                raise CognitoError("InvalidParameterException", message) from None
            return CognitoAnswer(operation, error.code, body, error_type)
