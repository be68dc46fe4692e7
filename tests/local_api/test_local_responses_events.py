"""Gateway responses rendered from the template, proxy responses read, proxy events built."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus

import pytest
from sessions_local.gateway import (
    Cors,
    GatewayResponses,
    IncomingRequest,
    Rendered,
    build_event,
    encode_body,
    render_template,
)
from sessions_local.runtimes import FunctionFailed, to_proxy_response

CORS = Cors(allow_origin="https://app.example.com")
DECLARED = Rendered(
    401,
    {
        "X-Request-Id": "context.requestId",
        "Access-Control-Allow-Origin": "'https://app.example.com'",
    },
    '{"status":401,"detail":$context.error.messageString,"requestId":"$context.requestId"}',
)


def test_a_declared_gateway_response_is_rendered() -> None:
    responses = GatewayResponses(cors=CORS, declared={"UNAUTHORIZED": DECLARED})
    reply = responses.error("UNAUTHORIZED", HTTPStatus.UNAUTHORIZED, 'say "hi"', "req-1")
    assert reply.status == 401
    assert ("X-Request-Id", "req-1") in reply.headers
    assert ("Access-Control-Allow-Origin", "https://app.example.com") in reply.headers
    assert json.loads(reply.body) == {"status": 401, "detail": 'say "hi"', "requestId": "req-1"}


def test_default_4xx_stands_in_with_the_types_own_status() -> None:
    responses = GatewayResponses(cors=CORS, declared={"DEFAULT_4XX": DECLARED})
    reply = responses.error("MISSING_AUTHENTICATION_TOKEN", HTTPStatus.NOT_FOUND, "x", "req-2")
    assert reply.status == 404
    assert ("X-Request-Id", "req-2") in reply.headers


def test_without_declarations_the_contracts_problem_json() -> None:
    reply = GatewayResponses(cors=CORS).error(
        "UNAUTHORIZED", HTTPStatus.UNAUTHORIZED, "no", "req-3", [("Allow", "GET")]
    )
    assert json.loads(reply.body) == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "no",
        "requestId": "req-3",
    }
    headers = dict(reply.headers)
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["X-Request-Id"] == "req-3"
    assert headers["Access-Control-Expose-Headers"] == "ETag,Location,X-Request-Id"
    assert headers["Vary"] == "Origin"
    assert headers["Allow"] == "GET"


def test_unknown_template_variables_stay_as_written() -> None:
    assert render_template("$context.nope $context.requestId", {"requestId": "r"}) == (
        "$context.nope r"
    )


def test_proxy_responses() -> None:
    response = to_proxy_response(
        {
            "statusCode": 200,
            "headers": {"A": "1", "B": 2},
            "multiValueHeaders": {"A": ["1", "x"], "Set-Cookie": ["a", "b"]},
            "body": base64.b64encode(b"\x00\xff").decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.status == 200
    assert response.headers == [
        ("A", "1"),
        ("A", "x"),
        ("Set-Cookie", "a"),
        ("Set-Cookie", "b"),
        ("B", "2"),
    ]
    assert response.body == b"\x00\xff"
    assert to_proxy_response({"statusCode": "204"}).body == b""


@pytest.mark.parametrize(
    "result",
    [
        None,
        "text",
        {"body": "x"},
        {"statusCode": 700},
        {"statusCode": True},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "headers": ["x"]},
        {"statusCode": 200, "multiValueHeaders": {"A": "not a list"}},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
    ],
)
def test_malformed_proxy_responses(result: object) -> None:
    with pytest.raises(FunctionFailed):
        to_proxy_response(result)


def request(**changes: object) -> IncomingRequest:
    fields: dict[str, object] = {
        "method": "GET",
        "path": "/sessions/a%20b",
        "query": [],
        "headers": [("Host", "127.0.0.1:3000"), ("x-forwarded-for", "10.0.0.1")],
        "body": b"",
        "source_ip": "127.0.0.1",
    }
    fields.update(changes)
    return IncomingRequest(**fields)  # type: ignore[arg-type]


def test_event_without_query_body_or_claims() -> None:
    event = build_event(
        request(), resource="/sessions/{id}", path_parameters={"id": "a b"}, stage="v1", claims=None
    )
    assert event["path"] == "/sessions/a b"
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    assert event["headers"]["X-Forwarded-For"] == "10.0.0.1, 127.0.0.1"
    assert "authorizer" not in event["requestContext"]
    assert event["requestContext"]["path"] == "/v1/sessions/a b"
    assert event["requestContext"]["domainName"] == "127.0.0.1:3000"


def test_bodies() -> None:
    assert encode_body(b"", None, ()) == (None, False)
    assert encode_body("é".encode(), "application/json", ()) == ("é", False)
    assert encode_body(b"\xff", "application/json", ()) == ("/w==", True)
    assert encode_body(b"png", "image/png; x=1", ("image/*",)) == ("cG5n", True)
