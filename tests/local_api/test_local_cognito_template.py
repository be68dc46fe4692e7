"""The project template's user pool, locally: its resource server and app client as the template
declares them, the custom scopes that client may be given, and ``/_local/auth`` without one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from sessions_local.aws.cognito_api import CONTENT_TYPE, TARGET_PREFIX
from sessions_local.deployment import DeploymentSettings, LocalDeployment
from sessions_local.gateway import IncomingRequest
from sessions_local.local_api import LocalApi

from tests.localapi import write_project

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def api() -> Iterator[LocalApi]:
    deployment = LocalDeployment(DeploymentSettings(REPO / "template.yaml")).start()
    api = LocalApi(deployment, port=3123)
    yield api
    api.stop()


def get(api: LocalApi, path: str) -> tuple[int, dict[str, str]]:
    request = IncomingRequest("GET", path, [], [], b"", "127.0.0.1")
    response = api.handle(request).response
    return response.status, json.loads(response.body)


def test_the_pool_has_the_templates_resource_server_and_client(api: LocalApi) -> None:
    pool = api.token_pool
    assert pool is not None
    server = pool.cognito.describe_resource_server(UserPoolId=pool.pool_id, Identifier="sessions")
    assert {scope["ScopeName"] for scope in server["ResourceServer"]["Scopes"]} == {
        "read",
        "write",
    }
    client_id = pool.client_ids[pool.default_client]
    client = pool.cognito.describe_user_pool_client(UserPoolId=pool.pool_id, ClientId=client_id)
    described = client["UserPoolClient"]
    assert described["AllowedOAuthScopes"] == ["sessions/read", "sessions/write"]
    # The template's redirect URL parameter's default.
    assert described["CallbackURLs"] == ["http://localhost:5173/"]


def test_the_client_may_be_given_the_custom_scopes_alone(api: LocalApi) -> None:
    pool = api.token_pool
    assert pool is not None
    for scopes in (("sessions/read",), ("sessions/read", "sessions/write")):
        issued = pool.issue_tokens("scoped-reader", scopes=scopes)
        claims = jwt.decode(issued.access_token, options={"verify_signature": False})
        assert claims["scope"].split() == list(scopes)
    with pytest.raises(ValueError, match=r"sessions/delete .*sessions/read, sessions/write"):
        pool.issue_tokens("scoped-reader", scopes=("sessions/delete",))


def test_auth_names_the_first_pool_and_client(api: LocalApi) -> None:
    pool = api.token_pool
    assert pool is not None
    assert get(api, "/_local/auth") == (
        200,
        {
            "region": "us-east-1",
            "userPoolId": pool.pool_id,
            "userPoolClientId": pool.client_ids["UserPoolClient"],
            "cognitoEndpoint": "http://127.0.0.1:3123/_local/cognito",
        },
    )


def test_the_endpoint_is_where_the_api_listens(api: LocalApi) -> None:
    # Listening on every IPv6 address, it is reached on IPv6 loopback.
    everywhere = LocalApi(api.deployment, port=3124, host="::")
    assert everywhere.url == "http://[::1]:3124"
    settings = everywhere.sign_in_settings()
    assert settings is not None
    assert settings["cognitoEndpoint"] == "http://[::1]:3124/_local/cognito"


def cognito(
    api: LocalApi, operation: str, source_ip: str, headers: tuple[tuple[str, str], ...] = ()
) -> tuple[int, dict[str, str]]:
    sent = [("Content-Type", CONTENT_TYPE), ("X-Amz-Target", TARGET_PREFIX + operation)]
    pool = api.token_pool
    assert pool is not None
    body = json.dumps({"UserPoolId": pool.pool_id}).encode()
    request = IncomingRequest("POST", "/_local/cognito/", [], [*sent, *headers], body, source_ip)
    response = api.handle(request).response
    return response.status, json.loads(response.body)


def test_administrators_operations_are_taken_from_this_machine_only(api: LocalApi) -> None:
    status, users = cognito(api, "ListUsers", "127.0.0.1")
    assert status == 200, users
    for source_ip, headers in (
        ("192.0.2.10", ()),
        ("::ffff:198.51.100.7", ()),
        # A page, which could be any site's where every origin is allowed.
        ("127.0.0.1", (("Origin", "https://example.com"),)),
    ):
        status, refusal = cognito(api, "ListUsers", source_ip, headers)
        assert status == 400
        assert refusal["__type"] == "NotAuthorizedException"
        assert "this machine" in refusal["message"]
    # What Cognito takes without credentials is taken from anywhere: here, refused for itself.
    status, refusal = cognito(api, "GetUser", "192.0.2.10")
    assert (status, refusal["__type"]) == (400, "InvalidParameterException")


NO_AUTHORIZER = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: hello/
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: GET}}
"""


def test_without_a_user_pool_authorizer_auth_is_not_found(tmp_path: Path) -> None:
    write_project(tmp_path, NO_AUTHORIZER, {"hello": "def handler(event, context): ...\n"})
    api = LocalApi(LocalDeployment(DeploymentSettings(tmp_path / "template.yaml")).start())
    try:
        status, problem = get(api, "/_local/auth")
        assert status == 404
        assert "no Cognito user-pool authorizer" in problem["detail"]
    finally:
        api.stop()
