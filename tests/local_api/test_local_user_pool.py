"""The local user pool is made with the template's pool and app-client properties, in the
embedded Cognito (moto's server), so local sign-in rules and tokens are the deployed pool's."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt
import pytest
import yaml
from botocore.exceptions import ClientError
from sessions_local.aws import EmbeddedAws, LocalUserPool, client
from sessions_local.stack import ClientSpec, ResourceServerSpec, UserPoolSpec

REGION = "us-east-1"
# Resolved, as the local API hands them over.
TEMPLATE = """
Resources:
  Users:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: test-users
      UsernameAttributes: [email]
      AutoVerifiedAttributes: [email]
      AdminCreateUserConfig:
        AllowAdminCreateUserOnly: true
      Policies:
        PasswordPolicy:
          MinimumLength: 12
          RequireLowercase: true
          RequireUppercase: true
          RequireNumbers: true
          RequireSymbols: false
      MfaConfiguration: OPTIONAL
      EnabledMfas: [SOFTWARE_TOKEN_MFA]
  UsersClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: us-east-1_fromthestack
      ClientName: test-client
      GenerateSecret: false
      ExplicitAuthFlows: [ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH]
      PreventUserExistenceErrors: ENABLED
      IdTokenValidity: 15
      AccessTokenValidity: 30
      TokenValidityUnits:
        IdToken: minutes
        AccessToken: minutes
"""
# Long enough for moto's default policy (8, with a symbol), too short for the template's 12.
SHORT_PASSWORD = "Short1!aB"
# The template's policy asks for no symbol; moto's default policy would refuse this one.
GOOD_PASSWORD = "Correct1Horse"


def specs(text: str = TEMPLATE) -> tuple[UserPoolSpec, list[ClientSpec]]:
    resources = yaml.safe_load(text)["Resources"]
    pool = next(name for name, r in resources.items() if r["Type"] == "AWS::Cognito::UserPool")
    clients = [
        ClientSpec(name, pool, r.get("Properties") or {})
        for name, r in resources.items()
        if r["Type"] == "AWS::Cognito::UserPoolClient"
    ]
    return UserPoolSpec(pool, resources[pool].get("Properties") or {}), clients


@pytest.fixture(scope="module")
def aws() -> Iterator[tuple[str, Any]]:
    embedded = EmbeddedAws()
    endpoint = embedded.start()
    yield endpoint, client("cognito-idp", REGION, endpoint)
    embedded.stop()


@pytest.fixture(scope="module")
def pool(aws: tuple[str, Any]) -> LocalUserPool:
    endpoint, cognito = aws
    user_pool, clients = specs()
    return LocalUserPool(cognito, endpoint, REGION, user_pool, clients)


@pytest.fixture
def cognito(aws: tuple[str, Any]) -> Any:
    return aws[1]


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_the_pool_has_the_template_sign_in_rules(pool: LocalUserPool, cognito: Any) -> None:
    described = cognito.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    assert described["Name"] == "test-users"
    assert described["UsernameAttributes"] == ["email"]
    assert described["AutoVerifiedAttributes"] == ["email"]
    assert described["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = described["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12
    assert (policy["RequireUppercase"], policy["RequireLowercase"]) == (True, True)
    assert (policy["RequireNumbers"], policy["RequireSymbols"]) == (True, False)
    mfa = cognito.get_user_pool_mfa_config(UserPoolId=pool.pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}


def test_the_app_client_has_the_template_flows_and_validities(
    pool: LocalUserPool, cognito: Any
) -> None:
    client_id = pool.client_ids["UsersClient"]
    described = cognito.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=client_id)
    app_client = described["UserPoolClient"]
    assert app_client["ClientName"] == "test-client"
    assert app_client["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert app_client["PreventUserExistenceErrors"] == "ENABLED"
    assert "ClientSecret" not in app_client
    assert (app_client["IdTokenValidity"], app_client["AccessTokenValidity"]) == (15, 30)
    assert app_client["TokenValidityUnits"] == {"IdToken": "minutes", "AccessToken": "minutes"}


def test_a_password_that_breaks_the_template_policy_is_refused(
    pool: LocalUserPool, cognito: Any
) -> None:
    client_id = pool.client_ids["UsersClient"]
    with pytest.raises(ClientError) as refused:
        cognito.sign_up(
            ClientId=client_id, Username=f"{unique('short')}@example.com", Password=SHORT_PASSWORD
        )
    assert error_code(refused) == "InvalidPasswordException"
    signed_up = cognito.sign_up(
        ClientId=client_id, Username=f"{unique('good')}@example.com", Password=GOOD_PASSWORD
    )
    assert signed_up["UserSub"]


def test_a_username_that_is_not_an_email_is_refused(pool: LocalUserPool, cognito: Any) -> None:
    client_id = pool.client_ids["UsersClient"]
    with pytest.raises(ClientError) as refused:
        cognito.sign_up(ClientId=client_id, Username=unique("bob"), Password=GOOD_PASSWORD)
    assert error_code(refused) == "InvalidParameterException"
    with pytest.raises(ClientError) as refused:
        cognito.admin_create_user(
            UserPoolId=pool.pool_id, Username=unique("bob"), MessageAction="SUPPRESS"
        )
    assert error_code(refused) == "InvalidParameterException"


def test_a_name_is_the_same_user_every_time_with_its_email(pool: LocalUserPool) -> None:
    name = unique("alice")
    first, second = pool.issue_tokens(name), pool.issue_tokens(name)
    assert first.sub == second.sub
    assert first.username == f"{name}@example.com"
    assert pool.issue_tokens(f"{name}@example.com").sub == first.sub
    assert pool.issue_tokens(unique("alice")).sub != first.sub
    claims = jwt.decode(first.id_token, options={"verify_signature": False})
    assert claims["sub"] == first.sub
    assert claims["email"] == f"{name}@example.com"
    assert claims["email_verified"] is True
    assert claims["cognito:username"] == first.sub, "an email pool's username is a generated id"
    assert claims["aud"] == pool.client_ids["UsersClient"]
    assert claims["exp"] - claims["iat"] == 15 * 60, "the client's IdTokenValidity"
    access = jwt.decode(first.access_token, options={"verify_signature": False})
    assert access["exp"] - access["iat"] == first.expires_in == 30 * 60
    assert (access["sub"], access["client_id"]) == (first.sub, pool.client_ids["UsersClient"])
    assert access["token_use"] == "access"
    assert access["scope"] == first.scope == "aws.cognito.signin.user.admin"


def test_concurrent_first_tokens_make_one_user(pool: LocalUserPool, cognito: Any) -> None:
    name = unique("carol")
    with ThreadPoolExecutor(max_workers=8) as workers:
        subs = {token.sub for token in workers.map(pool.issue_tokens, [name] * 16)}
    assert len(subs) == 1
    users = cognito.list_users(UserPoolId=pool.pool_id, Filter=f'email = "{name}@example.com"')
    assert [{a["Name"]: a["Value"] for a in user["Attributes"]} for user in users["Users"]] == [
        {"sub": next(iter(subs)), "email": f"{name}@example.com", "email_verified": "true"}
    ]


def test_a_property_the_api_does_not_take_is_left_out_with_a_warning(
    aws: tuple[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    endpoint, cognito = aws
    user_pool, clients = specs(
        TEMPLATE.replace("      UserPoolName: test-users\n", "      NoSuchProperty: 1\n")
    )
    with caplog.at_level(logging.WARNING, logger="sessions_local"):
        local = LocalUserPool(cognito, endpoint, REGION, user_pool, clients)
    assert "Users: NoSuchProperty has no CreateUserPool parameter" in caplog.text
    described = cognito.describe_user_pool(UserPoolId=local.pool_id)["UserPool"]
    assert described["Name"] == "Users", "without UserPoolName, the logical id"
    assert described["UsernameAttributes"] == ["email"]


SESSIONS_SERVER = ResourceServerSpec(
    "SessionsServer",
    "Users",
    {
        "UserPoolId": "us-east-1_fromthestack",
        "Identifier": "sessions",
        "Name": "Sessions",
        "Scopes": [
            {"ScopeName": "read", "ScopeDescription": "Read"},
            {"ScopeName": "write", "ScopeDescription": "Write"},
        ],
    },
)


@pytest.fixture(scope="module")
def reader_pool(aws: tuple[str, Any]) -> LocalUserPool:
    """A pool with the resource server ``sessions``, whose client may ask for its read scope."""
    endpoint, cognito = aws
    allowed = (
        "      AllowedOAuthFlowsUserPoolClient: true\n      AllowedOAuthFlows: [code]\n"
        "      CallbackURLs: [https://example.com/]\n      AllowedOAuthScopes: [sessions/read]\n"
        "      IdTokenValidity: 15\n"
    )
    user_pool, clients = specs(TEMPLATE.replace("      IdTokenValidity: 15\n", allowed))
    return LocalUserPool(cognito, endpoint, REGION, user_pool, clients, [SESSIONS_SERVER])


def test_the_resource_servers_are_the_templates(reader_pool: LocalUserPool, cognito: Any) -> None:
    described = cognito.describe_resource_server(
        UserPoolId=reader_pool.pool_id, Identifier="sessions"
    )["ResourceServer"]
    assert described["Name"] == "Sessions"
    assert [scope["ScopeName"] for scope in described["Scopes"]] == ["read", "write"]


def test_an_access_token_carries_the_scopes_asked_for(
    reader_pool: LocalUserPool, cognito: Any
) -> None:
    name = unique("reader")
    scoped = reader_pool.issue_tokens(name, scopes=("sessions/read",))
    claims = jwt.decode(scoped.access_token, options={"verify_signature": False})
    assert claims["scope"] == scoped.scope == "sessions/read"
    assert claims["token_use"] == "access"
    # Not a token of the pool's own API, which Cognito refuses it for.
    with pytest.raises(ClientError) as refused:
        cognito.get_user(AccessToken=scoped.access_token)
    assert error_code(refused) == "NotAuthorizedException"
    signed_in = reader_pool.issue_tokens(name)
    assert signed_in.sub == scoped.sub
    assert cognito.get_user(AccessToken=signed_in.access_token)["Username"] == signed_in.sub


def test_a_scope_the_client_may_not_ask_for_is_refused(
    reader_pool: LocalUserPool, pool: LocalUserPool
) -> None:
    with pytest.raises(ValueError, match=r"sessions/write .*allowed: sessions/read\)"):
        reader_pool.issue_tokens(unique("writer"), scopes=("sessions/read", "sessions/write"))
    with pytest.raises(ValueError, match=r"sessions/admin"):
        reader_pool.issue_tokens(unique("admin"), scopes=("sessions/admin",))
    with pytest.raises(ValueError, match=r"allowed: none"):
        pool.issue_tokens(unique("nobody"), scopes=("sessions/read",))


def test_a_lifetime_asked_for_holds_for_both_tokens(pool: LocalUserPool) -> None:
    issued = pool.issue_tokens(unique("brief"), ttl=90)
    for token in (issued.access_token, issued.id_token):
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 90
    assert issued.expires_in == 90


@pytest.mark.parametrize(
    "oauth",
    ["", "      AllowedOAuthScopes: [sessions/read]\n"],
    ids=["no OAuth settings", "scopes without OAuth flows"],
)
def test_a_client_without_oauth_flows_is_given_no_custom_scope(
    aws: tuple[str, Any], oauth: str
) -> None:
    endpoint, cognito = aws
    user_pool, clients = specs(
        TEMPLATE.replace("      IdTokenValidity: 15\n", oauth + "      IdTokenValidity: 15\n")
    )
    scoped = LocalUserPool(cognito, endpoint, REGION, user_pool, clients, [SESSIONS_SERVER])
    with pytest.raises(ValueError, match=r"sessions/read is not allowed \(allowed: none\)"):
        scoped.issue_tokens(unique("reader"), scopes=("sessions/read",))


def test_a_failure_of_the_embedded_server_logs_no_traceback(
    aws: tuple[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    endpoint, _ = aws
    secret = "refresh-" + uuid.uuid4().hex
    credential = f"local/20000101/{REGION}/cognito-idp/aws4_request"

    def post(operation: str, body: str) -> int:
        request = urllib.request.Request(  # noqa: S310 - the embedded server
            endpoint + "/",
            data=body.encode(),
            headers={
                "X-Amz-Target": f"AWSCognitoIdentityProviderService.{operation}",
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code

    with caplog.at_level(logging.DEBUG):
        # An operation moto lacks fails; it is done with once the next request is answered (the
        # server takes one at a time).
        assert post("GetTokensFromRefreshToken", f'{{"RefreshToken": "{secret}"}}') == 500
        assert post("ListUserPools", '{"MaxResults": 1}') == 200
    assert secret not in caplog.text
    assert "Traceback" not in caplog.text
