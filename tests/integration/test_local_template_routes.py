"""Routes come from the template: a new one is served with no other change, and its function
receives a complete API Gateway REST proxy event. The function here echoes what it was given."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.localapi import LocalApi, claims_of, write_project
from tests.replies import Reply

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  AllowedOrigin:
    Type: String
    Default: https://echo.example
Globals:
  Function:
    Runtime: python3.13
    Handler: app.handler
    CodeUri: echo/
    Environment:
      Variables:
        GREETING: !Sub "hello from ${AWS::Region}"
        ALLOWED_ORIGIN: !Ref AllowedOrigin
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: test
      BinaryMediaTypes: ["image/png"]
      Auth:
        DefaultAuthorizer: Pool
        AddDefaultAuthorizerToCorsPreflight: false
        Authorizers:
          Pool:
            UserPoolArn: !GetAtt Users.Arn
      Cors:
        AllowOrigin: !Sub "'${AllowedOrigin}'"
        AllowHeaders: "'Authorization,Content-Type'"
  Users:
    Type: AWS::Cognito::UserPool
  UsersClient:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Users
  Things:
    Type: AWS::Serverless::SimpleTable
  EchoFunction:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 256
      Environment:
        Variables:
          THINGS: !Ref Things
          THINGS_ARN: !GetAtt Things.Arn
          POOL: !Ref Users
      Events:
        Echo:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/echo/{name}", Method: any}
        Open:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /open
            Method: get
            Auth: {Authorizer: NONE}
        Files:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: "/files/{proxy+}", Method: get}
        Scoped:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /scoped
            Method: get
            Auth: {Authorizer: Pool, AuthorizationScopes: [aws.cognito.signin.user.admin]}
  SlowFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 1
      Events:
        Slow:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /slow, Method: get}
"""

FUNCTION = """\
import base64
import json
import os
import time


def handler(event, context):
    path = event["path"]
    if path.endswith("/binary"):
        body = base64.b64encode(bytes(range(256))).decode()
        return {"statusCode": 200, "body": body, "isBase64Encoded": True,
                "headers": {"Content-Type": "application/octet-stream"}}
    if path.endswith("/boom"):
        raise RuntimeError("boom")
    if path.endswith("/malformed"):
        return {"body": "no statusCode"}
    if path == "/slow":
        time.sleep(3)
    echoed = {
        "event": event,
        "context": {
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "invoked_function_arn": context.invoked_function_arn,
            "aws_request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
        "env": dict(os.environ),
        "cwd": os.getcwd(),
    }
    return {
        "statusCode": 200,
        "headers": {
            "Content-Type": "application/json",
            "X-Request-Id": event["requestContext"]["requestId"],
        },
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": json.dumps(echoed),
    }
"""

OVERRIDE = "https://override.example"


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    project = write_project(tmp_path_factory.mktemp("echo-project"), TEMPLATE, {"echo": FUNCTION})
    server = LocalApi(project, "--allowed-origin", OVERRIDE, cwd=project).start()
    yield server
    assert server.stop() == 0, server.stderr


@pytest.fixture(scope="module")
def token(echo: LocalApi) -> str:
    """Methods without authorization scopes take the ID token, as in API Gateway."""
    return echo.token("echo-user", id_token=True)


def echoed(reply: Reply) -> dict[str, Any]:
    assert reply.status == 200, reply.body
    data: dict[str, Any] = reply.json()
    return data


def test_a_template_route_gets_a_complete_proxy_event(echo: LocalApi, token: str) -> None:
    before_ms = int(time.time() * 1000)
    reply = echo.raw_request(
        "GET",
        "/echo/hello%20world?x=1&x=2&empty=",
        [
            ("Authorization", f"Bearer {token}"),
            ("X-Custom", "first"),
            ("X-Custom", "second"),
            ("User-Agent", "integration-test"),
        ],
    )
    data = echoed(reply)
    event = data["event"]
    assert event["resource"] == "/echo/{name}"
    assert event["path"] == "/echo/hello world"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"name": "hello world"}
    assert event["queryStringParameters"] == {"x": "2", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "empty": [""]}
    assert event["headers"]["X-Custom"] == "second"
    assert event["multiValueHeaders"]["X-Custom"] == ["first", "second"]
    assert event["headers"]["Authorization"] == f"Bearer {token}"
    assert event["headers"]["X-Forwarded-For"] == "127.0.0.1"
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False

    context = event["requestContext"]
    assert context["requestId"] == reply.header("X-Request-Id")
    assert context["requestId"] == reply.header("x-amzn-RequestId")
    uuid.UUID(context["requestId"])
    assert context["stage"] == "test"
    assert context["resourcePath"] == "/echo/{name}"
    assert context["httpMethod"] == "GET"
    assert context["path"] == "/test/echo/hello world"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "integration-test"
    assert before_ms <= context["requestTimeEpoch"] <= int(time.time() * 1000)
    claims = context["authorizer"]["claims"]
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["sub"] == claims_of(token)["sub"]
    assert claims["token_use"] == "id"
    assert claims["cognito:username"] == "echo-user"
    assert claims["auth_time"].isdigit()
    assert claims["exp"].endswith(time.strftime(" UTC %Y", time.gmtime()))

    lambda_context = data["context"]
    assert lambda_context["function_name"] == "EchoFunction"
    assert lambda_context["memory_limit_in_mb"] == 256
    assert lambda_context["invoked_function_arn"].endswith(":function:EchoFunction")
    assert lambda_context["aws_request_id"] != context["requestId"]
    assert 0 < lambda_context["remaining_ms"] <= 3000

    assert [value for name, value in reply.headers if name == "Set-Cookie"] == ["a=1", "b=2"]


def test_a_method_with_scopes_takes_the_access_token(echo: LocalApi, token: str) -> None:
    access = echo.token("echo-user")
    event = echoed(echo.request("GET", "/scoped", token=access))["event"]
    claims = event["requestContext"]["authorizer"]["claims"]
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["token_use"] == "access"
    assert claims["scope"] == "aws.cognito.signin.user.admin"
    assert claims["client_id"] == claims_of(token)["aud"]
    assert "aud" not in claims
    assert claims["sub"] == claims_of(token)["sub"]
    assert claims["username"] == "echo-user"
    # Each kind of token only where API Gateway takes it.
    assert echo.request("GET", "/scoped", token=token).status == 401
    assert echo.request("GET", "/echo/x", token=access).status == 401


def test_the_function_sees_its_own_variables(echo: LocalApi, token: str) -> None:
    data = echoed(echo.request("GET", "/echo/env", token=token))
    env = data["env"]
    assert env["GREETING"] == "hello from us-east-1"
    assert env["THINGS"] == "Things"
    assert env["THINGS_ARN"].endswith(":table/Things")
    assert env["POOL"].startswith("us-east-1_")
    assert env["ALLOWED_ORIGIN"] == OVERRIDE
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "EchoFunction"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert env["AWS_ENDPOINT_URL_DYNAMODB"].startswith("http://127.0.0.1:")
    assert "AWS_PROFILE" not in env
    assert "CURSOR_SECRET" not in env, "only what the template gives this function"
    assert data["cwd"] == str(Path(env["LAMBDA_TASK_ROOT"]))


def test_a_route_without_authorizer_needs_no_token(echo: LocalApi) -> None:
    event = echoed(echo.request("GET", "/open"))["event"]
    assert "authorizer" not in event["requestContext"]
    assert event["pathParameters"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None


def test_a_greedy_path_parameter(echo: LocalApi, token: str) -> None:
    event = echoed(echo.request("GET", "/files/a/b/c.txt", token=token))["event"]
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}


def test_bodies_text_and_binary(echo: LocalApi, token: str) -> None:
    text = echoed(echo.request("POST", "/echo/t", token=token, body="héllo".encode()))["event"]
    assert text["body"] == "héllo"
    assert text["isBase64Encoded"] is False
    not_utf8 = echoed(echo.request("POST", "/echo/b", token=token, body=b"\xff\x00\xfe"))["event"]
    assert not_utf8["isBase64Encoded"] is True
    assert base64.b64decode(not_utf8["body"]) == b"\xff\x00\xfe"
    png = echoed(
        echo.request(
            "PUT", "/echo/p", token=token, body=b"ascii", headers={"Content-Type": "image/png"}
        )
    )["event"]
    assert png["isBase64Encoded"] is True, "a BinaryMediaTypes body is always base64"
    assert base64.b64decode(png["body"]) == b"ascii"
    binary = echo.request("GET", "/echo/binary", token=token)
    assert binary.status == 200
    assert binary.body == bytes(range(256))


def test_function_failures_are_gateway_errors(echo: LocalApi, token: str) -> None:
    for path, reason in (
        ("/echo/boom", "raised RuntimeError: boom"),
        ("/echo/malformed", "no valid statusCode"),
        ("/slow", "timed out"),
    ):
        reply = echo.request("GET", path, token=token)
        assert reply.status == 502, reply.body
        problem = reply.json()
        assert problem["requestId"] == reply.header("X-Request-Id")
        assert "boom" not in reply.body.decode(), "nothing internal reaches the client"
        assert reason in echo.log_line(problem["requestId"])
    # The time-out stopped that environment; the next request gets a fresh one.
    assert echo.request("GET", "/echo/after", token=token).status == 200


def test_cors_follows_the_template_and_the_override(echo: LocalApi, token: str) -> None:
    reply = echo.request("OPTIONS", "/echo/x")
    assert reply.status == 200
    assert reply.header("Access-Control-Allow-Origin") == OVERRIDE
    assert reply.header("Access-Control-Allow-Headers") == "Authorization,Content-Type"
    methods = set((reply.header("Access-Control-Allow-Methods") or "").split(","))
    assert {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} <= methods
    assert echo.request("OPTIONS", "/open").header("Access-Control-Allow-Methods") == "GET,OPTIONS"
    refused = echo.request("GET", "/echo/x")
    assert refused.status == 401
    assert refused.header("Access-Control-Allow-Origin") == OVERRIDE


def test_gateway_errors_without_declared_gateway_responses(echo: LocalApi) -> None:
    missing = echo.request("GET", "/nowhere")
    assert missing.status == 404
    assert missing.json()["title"] == "Not Found"
    wrong = echo.request("POST", "/open")
    assert wrong.status == 405
    assert wrong.header("Allow") == "GET, OPTIONS"
    assert wrong.json()["requestId"] == wrong.header("X-Request-Id")
