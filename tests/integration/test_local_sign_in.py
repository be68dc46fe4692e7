"""Signing in to the local user pool as a front end signs in to Cognito: ``GET /_local/auth``
names the pool, its app client and the Cognito endpoint, and boto3's ``cognito-idp`` client
pointed at that endpoint signs in, refreshes and signs out; an administrator's script (any
credentials) makes the users. What Cognito would refuse is refused, with Cognito's errors."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from sessions_local.aws.cognito_api import CONTENT_TYPE, TARGET_PREFIX

from tests.localapi import LocalApi, claims_of, write_project
from tests.replies import Reply, assert_problem
from tests.route_table import ROUTES, Route

# The template's password policy: 12 characters or more, upper and lower case, a number.
TEMPORARY_PASSWORD = "Temporary1Pass"
NEW_PASSWORD = "Permanent2Pass"
WEAK_PASSWORD = "weak1A"
TEMPLATE_FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
LOOPBACK_PAGE = "http://127.0.0.1:5173"


@dataclass(frozen=True)
class Pool:
    """The local pool as a front end finds it: from ``GET /_local/auth``."""

    auth: dict[str, str]
    cognito: Any  # boto3's cognito-idp client on the local Cognito endpoint

    @property
    def id(self) -> str:
        return self.auth["userPoolId"]

    @property
    def client_id(self) -> str:
        return self.auth["userPoolClientId"]

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return answer

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
        result: dict[str, Any] = answer["AuthenticationResult"]
        return result

    def new_user(self, password: str = TEMPORARY_PASSWORD) -> str:
        """A user made by an administrator, with a temporary password; its username."""
        username = f"user-{uuid.uuid4().hex[:12]}@example.com"
        self.cognito.admin_create_user(
            UserPoolId=self.id,
            Username=username,
            TemporaryPassword=password,
            MessageAction="SUPPRESS",
        )
        return username

    def confirmed_user(self, *, answer_as_challenged: bool = False) -> tuple[str, dict[str, Any]]:
        """A user that has chosen its password, and the tokens of its first sign-in; the answer
        names the user by its username, or by the name the challenge gives."""
        username = self.new_user()
        challenge = self.sign_in(username, TEMPORARY_PASSWORD)
        named = challenge["ChallengeParameters"]["USERNAME"] if answer_as_challenged else username
        answer = self.cognito.respond_to_auth_challenge(
            ClientId=self.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": named, "NEW_PASSWORD": NEW_PASSWORD},
        )
        return username, answer["AuthenticationResult"]


def pool_of(api: LocalApi) -> Pool:
    reply = api.request("GET", "/_local/auth")
    assert reply.status == 200, reply.body
    auth: dict[str, str] = reply.json()
    cognito = boto3.client(
        "cognito-idp",
        region_name=auth["region"],
        endpoint_url=auth["cognitoEndpoint"],
        # Any credentials: there are no real ones locally.
        aws_access_key_id="anything",
        aws_secret_access_key="anything",
        config=Config(retries={"max_attempts": 1}),
    )
    return Pool(auth, cognito)


@pytest.fixture
def pool(local_api: LocalApi) -> Pool:
    return pool_of(local_api)


def refused(call: Callable[..., Any], **parameters: Any) -> tuple[str, str]:
    """The error type and message of a call that must fail, checked to be a Cognito 400."""
    with pytest.raises(ClientError) as raised:
        call(**parameters)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(response["Error"]["Code"]), str(response["Error"]["Message"])


def lifetime(token: str) -> int:
    claims = claims_of(token)
    return int(claims["exp"]) - int(claims["iat"])


def test_auth_names_the_pool_and_client_the_tokens_come_from(
    local_api: LocalApi, pool: Pool
) -> None:
    reply = local_api.request("GET", "/_local/auth", headers={"Origin": LOOPBACK_PAGE})
    assert reply.header("Access-Control-Allow-Origin") == LOOPBACK_PAGE
    assert reply.json() == {
        "region": "us-east-1",
        "userPoolId": pool.id,
        "userPoolClientId": pool.client_id,
        "cognitoEndpoint": f"{local_api.url}/_local/cognito",
    }
    client = pool.cognito.describe_user_pool_client(UserPoolId=pool.id, ClientId=pool.client_id)
    assert client["UserPoolClient"]["ExplicitAuthFlows"] == TEMPLATE_FLOWS
    _, tokens = pool.confirmed_user()
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{pool.id}"
    access, identity = claims_of(tokens["AccessToken"]), claims_of(tokens["IdToken"])
    assert (access["iss"], access["client_id"], access["token_use"]) == (
        issuer,
        pool.client_id,
        "access",
    )
    assert access["scope"] == "aws.cognito.signin.user.admin"
    assert (identity["iss"], identity["aud"]) == (issuer, pool.client_id)
    # The template's app client: 60 minutes for both.
    assert tokens["ExpiresIn"] == lifetime(tokens["AccessToken"]) == 3600
    assert lifetime(tokens["IdToken"]) == 3600
    # The pool `sessions-local token` issues from is the same.
    assert claims_of(local_api.token(f"cli-{uuid.uuid4().hex[:8]}"))["iss"] == issuer


def test_an_admin_created_user_signs_in_refreshes_and_signs_out(pool: Pool) -> None:
    username = pool.new_user()
    challenge = pool.sign_in(username, TEMPORARY_PASSWORD)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert "AuthenticationResult" not in challenge

    def answer(new_password: str) -> dict[str, Any]:
        answered: dict[str, Any] = pool.cognito.respond_to_auth_challenge(
            ClientId=pool.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
        )
        return answered

    assert refused(answer, new_password=WEAK_PASSWORD)[0] == "InvalidPasswordException"
    tokens = answer(NEW_PASSWORD)["AuthenticationResult"]
    user = pool.cognito.get_user(AccessToken=tokens["AccessToken"])
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == username
    assert attributes["sub"] == claims_of(tokens["AccessToken"])["sub"]

    refreshed = pool.refresh(tokens["RefreshToken"])
    assert claims_of(refreshed["AccessToken"])["sub"] == attributes["sub"]
    assert pool.cognito.get_user(AccessToken=refreshed["AccessToken"])["Username"]

    pool.cognito.global_sign_out(AccessToken=refreshed["AccessToken"])
    code, _ = refused(pool.refresh, refresh_token=tokens["RefreshToken"])
    assert code == "NotAuthorizedException"
    assert refused(pool.cognito.get_user, AccessToken=tokens["AccessToken"])[0] == (
        "NotAuthorizedException"
    )
    # The new password signs in at once.
    assert pool.sign_in(username, NEW_PASSWORD)["AuthenticationResult"]["AccessToken"]


def test_a_wrong_password_and_an_unknown_user_are_refused_alike(pool: Pool) -> None:
    username, _ = pool.confirmed_user()
    wrong = refused(pool.sign_in, username=username, password=NEW_PASSWORD + "x")
    unknown = refused(
        pool.sign_in, username=f"nobody-{uuid.uuid4().hex}@example.com", password=NEW_PASSWORD
    )
    assert wrong == unknown == ("NotAuthorizedException", "Incorrect username or password.")


def test_an_srp_sign_in_is_refused_naming_the_flow_that_works(pool: Pool) -> None:
    username, _ = pool.confirmed_user()
    code, message = refused(
        pool.cognito.initiate_auth,
        ClientId=pool.client_id,
        AuthFlow="USER_SRP_AUTH",
        AuthParameters={"USERNAME": username, "SRP_A": "a" * 256},
    )
    assert code == "InvalidParameterException"
    assert "USER_PASSWORD_AUTH" in message
    # Nor is an SRP proof taken on its own, whatever session it names.
    code, message = refused(
        pool.cognito.respond_to_auth_challenge,
        ClientId=pool.client_id,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses={
            "USERNAME": username,
            "PASSWORD_CLAIM_SECRET_BLOCK": "block",
            "PASSWORD_CLAIM_SIGNATURE": "not checked",
            "TIMESTAMP": "Mon Dec 7 05:00:00 UTC 2026",
        },
    )
    assert code == "InvalidParameterException"
    assert "USER_PASSWORD_AUTH" in message


def test_a_flow_the_app_client_does_not_allow_is_refused(pool: Pool) -> None:
    username, _ = pool.confirmed_user()
    for operation, flow, extra in (
        (pool.cognito.initiate_auth, "CUSTOM_AUTH", {}),
        (pool.cognito.admin_initiate_auth, "ADMIN_USER_PASSWORD_AUTH", {"UserPoolId": pool.id}),
    ):
        assert refused(
            operation,
            ClientId=pool.client_id,
            AuthFlow=flow,
            AuthParameters={"USERNAME": username, "PASSWORD": NEW_PASSWORD},
            **extra,
        ) == ("InvalidParameterException", f"{flow} flow not enabled for this client")


def test_sign_up_is_refused_where_only_administrators_add_users(pool: Pool) -> None:
    username = f"signup-{uuid.uuid4().hex[:12]}@example.com"
    assert refused(
        pool.cognito.sign_up, ClientId=pool.client_id, Username=username, Password=NEW_PASSWORD
    ) == ("NotAuthorizedException", "SignUp is not permitted for this user pool")
    users = pool.cognito.list_users(UserPoolId=pool.id, Filter=f'email = "{username}"')
    assert users["Users"] == []


def test_a_temporary_password_that_breaks_the_policy_is_refused(pool: Pool) -> None:
    username = f"weak-{uuid.uuid4().hex[:12]}@example.com"
    code, _ = refused(
        pool.cognito.admin_create_user,
        UserPoolId=pool.id,
        Username=username,
        TemporaryPassword=WEAK_PASSWORD,
        MessageAction="SUPPRESS",
    )
    assert code == "InvalidPasswordException"
    users = pool.cognito.list_users(UserPoolId=pool.id, Filter=f'email = "{username}"')
    assert users["Users"] == []


def test_a_challenge_session_sets_only_its_own_users_password(pool: Pool) -> None:
    alice, bob = pool.new_user(), pool.new_user()
    session = pool.sign_in(alice, TEMPORARY_PASSWORD)["Session"]
    assert (
        refused(
            pool.cognito.respond_to_auth_challenge,
            ClientId=pool.client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session,
            ChallengeResponses={"USERNAME": bob, "NEW_PASSWORD": NEW_PASSWORD},
        )[0]
        == "NotAuthorizedException"
    )
    assert pool.sign_in(bob, TEMPORARY_PASSWORD)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_revoking_a_refresh_token_signs_out_that_sign_in_only(pool: Pool) -> None:
    username, first = pool.confirmed_user()
    second = pool.sign_in(username, NEW_PASSWORD)["AuthenticationResult"]
    pool.cognito.revoke_token(ClientId=pool.client_id, Token=first["RefreshToken"])
    assert refused(pool.refresh, refresh_token=first["RefreshToken"])[0] == "NotAuthorizedException"
    assert refused(pool.cognito.get_user, AccessToken=first["AccessToken"])[0] == (
        "NotAuthorizedException"
    )
    assert pool.refresh(second["RefreshToken"])["AccessToken"]


def test_administrators_set_passwords_and_delete_users(pool: Pool) -> None:
    username = pool.new_user()
    pool.cognito.admin_set_user_password(
        UserPoolId=pool.id, Username=username, Password=NEW_PASSWORD, Permanent=True
    )
    assert pool.sign_in(username, NEW_PASSWORD)["AuthenticationResult"]["IdToken"]
    assert pool.cognito.admin_get_user(UserPoolId=pool.id, Username=username)["UserStatus"] == (
        "CONFIRMED"
    )
    pool.cognito.admin_delete_user(UserPoolId=pool.id, Username=username)
    assert refused(pool.sign_in, username=username, password=NEW_PASSWORD)[0] == (
        "NotAuthorizedException"
    )


@pytest.mark.parametrize(
    ("headers", "body", "error_type"),
    [
        ({"X-Amz-Target": TARGET_PREFIX + "NoSuchOperation"}, b"{}", "UnknownOperationException"),
        ({}, b"{}", "UnknownOperationException"),
        (
            {"X-Amz-Target": TARGET_PREFIX + "GetUser"},
            b'{"AccessToken": ',
            "SerializationException",
        ),
        ({"X-Amz-Target": TARGET_PREFIX + "GetUser"}, b"[]", "SerializationException"),
        (
            {"X-Amz-Target": TARGET_PREFIX + "InitiateAuth"},
            b'{"AuthFlow": "ADMIN_NO_SRP_AUTH"}',
            "InvalidParameterException",
        ),
        (
            {"X-Amz-Target": TARGET_PREFIX + "AdminCreateUser"},
            b'{"UserPoolId": "x", "Username": "typed@example.com", "TemporaryPassword": 12}',
            "InvalidParameterException",
        ),
        (
            {"X-Amz-Target": TARGET_PREFIX + "RevokeToken"},
            b'{"ClientId": "x", "Token": ["x"]}',
            "InvalidParameterException",
        ),
        (
            {"X-Amz-Target": TARGET_PREFIX + "InitiateAuth"},
            b'{"ClientId": "x", "AuthFlow": "USER_PASSWORD_AUTH", '
            b'"AuthParameters": {"USERNAME": "a", "PASSWORD": null}}',
            "InvalidParameterException",
        ),
    ],
)
def test_a_malformed_request_is_a_cognito_400(
    local_api: LocalApi, headers: dict[str, str], body: bytes, error_type: str
) -> None:
    sent = {"Content-Type": CONTENT_TYPE, **headers}
    reply = local_api.request("POST", "/_local/cognito/", headers=sent, body=body)
    assert reply.status == 400, reply.body
    assert reply.header("x-amzn-ErrorType") == error_type
    assert reply.json()["__type"] == error_type
    assert reply.json()["message"]
    assert "12" not in reply.json()["message"], "a value sent is not echoed"


def cognito_call(api: LocalApi, operation: str, parameters: dict[str, Any]) -> Reply:
    """A request as an SDK would send it, without the SDK's own checks."""
    headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + operation}
    return api.request("POST", "/_local/cognito/", headers=headers, json_body=parameters)


def test_a_sign_in_without_a_password_is_refused(local_api: LocalApi, pool: Pool) -> None:
    # Cognito would mail a password it makes; locally none is sent, so none is made.
    username = f"nopass-{uuid.uuid4().hex[:12]}@example.com"
    code, message = refused(
        pool.cognito.admin_create_user,
        UserPoolId=pool.id,
        Username=username,
        MessageAction="SUPPRESS",
    )
    assert (code, "TemporaryPassword" in message) == ("UnsupportedOperationException", True)
    users = pool.cognito.list_users(UserPoolId=pool.id, Filter=f'email = "{username}"')
    assert users["Users"] == []
    username = pool.new_user()
    assert refused(
        pool.cognito.initiate_auth, ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH"
    ) == ("InvalidParameterException", "Missing required parameter USERNAME")
    for password in ({}, {"PASSWORD": ""}):
        reply = cognito_call(
            local_api,
            "InitiateAuth",
            {
                "ClientId": pool.client_id,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": username, **password},
            },
        )
        assert reply.status == 400, reply.body
        assert reply.json() == {
            "__type": "InvalidParameterException",
            "message": "Missing required parameter PASSWORD",
        }
    assert pool.sign_in(username, TEMPORARY_PASSWORD)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_a_page_on_another_loopback_origin_may_call_it(local_api: LocalApi, pool: Pool) -> None:
    # As a browser asks before the AWS SDK for JavaScript's first call (it adds the "/").
    asked = "content-type,x-amz-target,x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request"
    preflight = local_api.request(
        "OPTIONS",
        "/_local/cognito/",
        headers={
            "Origin": LOOPBACK_PAGE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": asked,
        },
    )
    assert preflight.status in (200, 204)
    assert preflight.header("Access-Control-Allow-Origin") == LOOPBACK_PAGE
    assert "POST" in (preflight.header("Access-Control-Allow-Methods") or "")
    assert preflight.header("Access-Control-Allow-Headers") == asked
    username, _ = pool.confirmed_user()
    body = (
        f'{{"ClientId": "{pool.client_id}", "AuthFlow": "USER_PASSWORD_AUTH", '
        f'"AuthParameters": {{"USERNAME": "{username}", "PASSWORD": "wrong"}}}}'
    ).encode()
    reply = local_api.request(
        "POST",
        "/_local/cognito/",
        headers={
            "Origin": LOOPBACK_PAGE,
            "Content-Type": CONTENT_TYPE,
            "X-Amz-Target": TARGET_PREFIX + "InitiateAuth",
        },
        body=body,
    )
    assert reply.status == 400
    assert reply.header("Access-Control-Allow-Origin") == LOOPBACK_PAGE
    exposed = (reply.header("Access-Control-Expose-Headers") or "").lower().split(",")
    assert {"x-amzn-errortype", "x-amzn-requestid"} <= set(exposed)
    assert reply.header("x-amzn-ErrorType") == "NotAuthorizedException"
    assert reply.header("X-Request-Id") == reply.header("x-amzn-RequestId")
    assert reply.header("X-Request-Id")
    # Not an administrator's operation, which no page may call.
    body = f'{{"UserPoolId": "{pool.id}"}}'.encode()
    headers = {"Origin": LOOPBACK_PAGE, "X-Amz-Target": TARGET_PREFIX + "ListUsers"}
    listed = local_api.request("POST", "/_local/cognito/", headers=headers, body=body)
    assert listed.status == 400
    assert listed.header("x-amzn-ErrorType") == "NotAuthorizedException"


def test_the_log_names_each_operation_but_no_password_or_token(
    local_api: LocalApi, pool: Pool
) -> None:
    _, tokens = pool.confirmed_user()
    refreshed = pool.refresh(tokens["RefreshToken"])
    pool.cognito.get_user(AccessToken=refreshed["AccessToken"])
    log = local_api.stderr
    for operation in ("AdminCreateUser", "RespondToAuthChallenge", "InitiateAuth", "GetUser"):
        assert re.search(rf"POST /_local/cognito 200 .*\(cognito {operation}\)", log), operation
    secrets = (TEMPORARY_PASSWORD, NEW_PASSWORD, *tokens.values(), *refreshed.values())
    for secret in (secret for secret in secrets if isinstance(secret, str) and len(secret) > 8):
        assert secret not in log


# A pool where anyone may sign up, whose app client gives tokens of other lifetimes, a second
# client with Cognito's default flows, and a resource server.
OPEN_POOL = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: test
      Auth:
        DefaultAuthorizer: Users
        Authorizers:
          Users:
            UserPoolArn: !GetAtt Users.Arn
  Users:
    Type: AWS::Cognito::UserPool
    Properties:
      UsernameAttributes: [email]
      AutoVerifiedAttributes: [email]
      AdminCreateUserConfig:
        AllowAdminCreateUserOnly: false
      Policies:
        PasswordPolicy:
          MinimumLength: 10
          RequireLowercase: true
          RequireUppercase: false
          RequireNumbers: true
          RequireSymbols: false
  WebClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Users
      ExplicitAuthFlows: [ALLOW_USER_PASSWORD_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      PreventUserExistenceErrors: ENABLED
      AccessTokenValidity: 5
      IdTokenValidity: 2
      TokenValidityUnits:
        AccessToken: minutes
        IdToken: hours
  DefaultFlowsClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Users
  SessionsServer:
    Type: AWS::Cognito::UserPoolResourceServer
    Properties:
      UserPoolId: !Ref Users
      Identifier: sessions
      Name: Sessions
      Scopes:
        - {ScopeName: read, ScopeDescription: Read sessions}
        - {ScopeName: write, ScopeDescription: Write sessions}
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: hello/
      Events:
        Hello:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /hello, Method: GET}
"""
HELLO = """\
def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
"""
OPEN_PASSWORD = "lowercase123"


@pytest.fixture(scope="module")
def open_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    project = write_project(tmp_path_factory.mktemp("open-pool"), OPEN_POOL, {"hello": HELLO})
    server = LocalApi(project, cwd=project).start()
    yield server
    assert server.stop() == 0, server.stderr


def logged_code(api: LocalApi, username: str) -> str:
    found = re.findall(rf"confirmation code for {re.escape(username)}: ([0-9]{{6}})", api.stderr)
    assert found, api.stderr
    return str(found[-1])


def test_sign_up_is_confirmed_with_the_code_from_the_log(open_api: LocalApi) -> None:
    pool = pool_of(open_api)
    username = f"new-{uuid.uuid4().hex[:12]}@example.com"
    signed_up = pool.cognito.sign_up(
        ClientId=pool.client_id, Username=username, Password=OPEN_PASSWORD
    )
    assert signed_up["UserConfirmed"] is False
    assert refused(pool.sign_in, username=username, password=OPEN_PASSWORD)[0] == (
        "UserNotConfirmedException"
    )
    code = logged_code(open_api, username)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert refused(
        pool.cognito.confirm_sign_up,
        ClientId=pool.client_id,
        Username=username,
        ConfirmationCode=wrong,
    ) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    pool.cognito.confirm_sign_up(ClientId=pool.client_id, Username=username, ConfirmationCode=code)
    tokens = pool.sign_in(username, OPEN_PASSWORD)["AuthenticationResult"]
    assert claims_of(tokens["AccessToken"])["sub"] == signed_up["UserSub"]
    # The app client's validities: access tokens 5 minutes, ID tokens 2 hours.
    assert tokens["ExpiresIn"] == lifetime(tokens["AccessToken"]) == 5 * 60
    assert lifetime(tokens["IdToken"]) == 2 * 3600
    assert lifetime(pool.refresh(tokens["RefreshToken"])["AccessToken"]) == 5 * 60
    # A code is used once.
    assert (
        refused(
            pool.cognito.confirm_sign_up,
            ClientId=pool.client_id,
            Username=username,
            ConfirmationCode=code,
        )[0]
        == "CodeMismatchException"
    )


def test_a_weak_password_is_refused_at_sign_up(open_api: LocalApi) -> None:
    pool = pool_of(open_api)
    code, _ = refused(
        pool.cognito.sign_up,
        ClientId=pool.client_id,
        Username=f"weak-{uuid.uuid4().hex[:12]}@example.com",
        Password="short1",
    )
    assert code == "InvalidPasswordException"


def test_a_client_without_explicit_flows_has_cognitos_defaults(open_api: LocalApi) -> None:
    pool = pool_of(open_api)
    clients = pool.cognito.list_user_pool_clients(UserPoolId=pool.id, MaxResults=10)
    names = {c["ClientName"]: c["ClientId"] for c in clients["UserPoolClients"]}
    assert names["WebClient"] == pool.client_id
    assert refused(
        pool.cognito.initiate_auth,
        ClientId=names["DefaultFlowsClient"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "someone@example.com", "PASSWORD": OPEN_PASSWORD},
    ) == ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")


def test_the_templates_resource_server_is_in_the_pool(open_api: LocalApi) -> None:
    pool = pool_of(open_api)
    server = pool.cognito.describe_resource_server(UserPoolId=pool.id, Identifier="sessions")
    scopes = {scope["ScopeName"] for scope in server["ResourceServer"]["Scopes"]}
    assert scopes == {"read", "write"}


def test_a_global_sign_out_ends_every_sign_in_of_the_user(pool: Pool) -> None:
    # Once with the name the challenge gives (as the Amplify libraries answer), once by email.
    username, first = pool.confirmed_user(answer_as_challenged=True)
    second = pool.sign_in(username, NEW_PASSWORD)["AuthenticationResult"]
    pool.cognito.global_sign_out(AccessToken=second["AccessToken"])
    for tokens in (first, second):
        assert refused(pool.refresh, refresh_token=tokens["RefreshToken"])[0] == (
            "NotAuthorizedException"
        )
        assert refused(pool.cognito.get_user, AccessToken=tokens["AccessToken"])[0] == (
            "NotAuthorizedException"
        )
    # An administrator's sign-out does the same.
    third, fourth = (pool.sign_in(username, NEW_PASSWORD)["AuthenticationResult"] for _ in "ab")
    pool.cognito.admin_user_global_sign_out(UserPoolId=pool.id, Username=username)
    for tokens in (third, fourth):
        assert refused(pool.refresh, refresh_token=tokens["RefreshToken"]) == (
            "NotAuthorizedException",
            "Refresh Token has been revoked",
        )


def test_a_disabled_or_deleted_user_is_not_refreshed(pool: Pool) -> None:
    username, tokens = pool.confirmed_user()
    pool.cognito.admin_disable_user(UserPoolId=pool.id, Username=username)
    assert refused(pool.refresh, refresh_token=tokens["RefreshToken"]) == (
        "NotAuthorizedException",
        "User is disabled.",
    )
    pool.cognito.admin_enable_user(UserPoolId=pool.id, Username=username)
    assert pool.refresh(tokens["RefreshToken"])["AccessToken"]
    pool.cognito.admin_delete_user(UserPoolId=pool.id, Username=username)
    assert refused(pool.refresh, refresh_token=tokens["RefreshToken"]) == (
        "NotAuthorizedException",
        "Refresh Token has been revoked",
    )


def test_tokens_from_a_refresh_token_as_the_amplify_libraries_ask(pool: Pool) -> None:
    _, tokens = pool.confirmed_user()
    answer = pool.cognito.get_tokens_from_refresh_token(
        ClientId=pool.client_id, RefreshToken=tokens["RefreshToken"]
    )
    assert set(answer) - {"ResponseMetadata"} == {"AuthenticationResult"}
    result = answer["AuthenticationResult"]
    assert claims_of(result["AccessToken"])["sub"] == claims_of(tokens["AccessToken"])["sub"]
    assert claims_of(result["IdToken"])["aud"] == pool.client_id
    assert result["ExpiresIn"] == 3600
    pool.cognito.revoke_token(ClientId=pool.client_id, Token=tokens["RefreshToken"])
    assert refused(
        pool.cognito.get_tokens_from_refresh_token,
        ClientId=pool.client_id,
        RefreshToken=tokens["RefreshToken"],
    )[0] == ("NotAuthorizedException")


def test_what_the_local_pool_cannot_take_as_cognito_does_is_refused(pool: Pool) -> None:
    username, _ = pool.confirmed_user()
    cognito, ids = pool.cognito, {"UserPoolId": pool.id, "ClientId": pool.client_id}
    for call, parameters in (
        # The template's pool and client: a change would be the template's.
        (cognito.delete_user_pool, {"UserPoolId": pool.id}),
        (cognito.update_user_pool_client, {**ids, "ExplicitAuthFlows": ["ALLOW_USER_AUTH"]}),
        # Which moto does not check as Cognito does.
        (cognito.admin_reset_user_password, {"UserPoolId": pool.id, "Username": username}),
        (cognito.forgot_password, {"ClientId": pool.client_id, "Username": username}),
    ):
        code, message = refused(call, **parameters)
        assert code == "UnsupportedOperationException", call
        assert "template.yaml" in message
    # The pool is as the template made it: the user still signs in with its password.
    assert pool.sign_in(username, NEW_PASSWORD)["AuthenticationResult"]["AccessToken"]
    client = cognito.describe_user_pool_client(**ids)
    assert client["UserPoolClient"]["ExplicitAuthFlows"] == TEMPLATE_FLOWS


def test_a_resent_invitation_is_refused_and_makes_no_second_user(pool: Pool) -> None:
    username = pool.new_user()
    code, _ = refused(
        pool.cognito.admin_create_user,
        UserPoolId=pool.id,
        Username=username,
        MessageAction="RESEND",
    )
    assert code == "UnsupportedOperationException"
    users = pool.cognito.list_users(UserPoolId=pool.id, Filter=f'email = "{username}"')
    assert len(users["Users"]) == 1


def send(api: LocalApi, route: Route, session_id: str, token: str) -> Reply:
    body = {"title": f"Through {route.key}"} if route.method in ("POST", "PUT") else None
    return api.request(
        route.method, route.path.replace("{id}", session_id), token=token, json_body=body
    )


def test_signed_in_and_refreshed_access_tokens_open_every_route(
    local_api: LocalApi, pool: Pool
) -> None:
    _, tokens = pool.confirmed_user()
    refreshed = pool.refresh(tokens["RefreshToken"])
    for token in (tokens["AccessToken"], refreshed["AccessToken"]):
        session_id = ""
        for route in ROUTES:  # created first, deleted last
            reply = send(local_api, route, session_id, token)
            assert reply.status == route.success, (route.key, reply.body)
            session_id = session_id or reply.json()["id"]


def test_an_id_token_from_signing_in_opens_no_route(local_api: LocalApi, pool: Pool) -> None:
    _, tokens = pool.confirmed_user()
    created = send(local_api, ROUTES[0], "", tokens["AccessToken"])
    assert created.status == 201, created.body
    for route in ROUTES:
        problem = assert_problem(
            send(local_api, route, created.json()["id"], tokens["IdToken"]), 401
        )
        line = local_api.log_line(problem["requestId"])
        assert " gateway " in line, "the gateway, not a function, must have answered"
