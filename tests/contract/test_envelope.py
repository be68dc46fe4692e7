"""Every response carries what the library's envelope says, whoever makes it: the functions
(tests/unit), the gateway's own responses and the preflights the template declares (here,
read from AWS SAM's translation), and the local API's gateway (tests/integration)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from session_actions.http.envelope import (
    ALLOWED_HEADERS,
    EXPOSED_HEADERS,
    PROBLEM_JSON,
    PROBLEM_TYPE,
    REQUEST_ID_HEADER,
)

from tests.cloudformation import translated


def body_of_api() -> dict[str, Any]:
    api = translated()["Resources"]["SessionsApi"]["Properties"]["Body"]
    assert isinstance(api, dict)
    return api


def literal(expression: Any) -> str:
    """A header mapping expression's text: ``'a,b'`` is ``a,b``."""
    assert isinstance(expression, str), expression
    assert expression[0] == expression[-1] == "'", expression
    return expression[1:-1]


GATEWAY_RESPONSES = sorted(body_of_api()["x-amazon-apigateway-gateway-responses"])


@pytest.mark.parametrize("kind", GATEWAY_RESPONSES)
def test_each_gateway_response_is_the_envelopes_problem(kind: str) -> None:
    response = body_of_api()["x-amazon-apigateway-gateway-responses"][kind]
    headers = {
        name.removeprefix("gatewayresponse.header."): value
        for name, value in response["responseParameters"].items()
    }
    assert literal(headers["Content-Type"]) == PROBLEM_JSON
    assert literal(headers["Access-Control-Expose-Headers"]) == ",".join(EXPOSED_HEADERS)
    assert headers[REQUEST_ID_HEADER] == "context.requestId"
    template = response["responseTemplates"]["application/json"]
    body = json.loads(template.replace("$context.error.messageString", '"detail"'))
    assert body["type"] == PROBLEM_TYPE
    assert body["status"] == int(response["statusCode"])
    assert body["requestId"] == "$context.requestId"


def mocks() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in body_of_api()["paths"].items():
        for method, operation in operations.items():
            integration = operation.get("x-amazon-apigateway-integration", {})
            if integration.get("type") == "mock":
                parameters = integration["responses"]["default"]["responseParameters"]
                found.append((path, method, parameters))
    return found


@pytest.mark.parametrize(("path", "method", "parameters"), mocks())
def test_each_mock_response_carries_the_envelopes_headers(
    path: str, method: str, parameters: dict[str, Any]
) -> None:
    headers = {name.removeprefix("method.response.header."): v for name, v in parameters.items()}
    assert literal(headers["Access-Control-Expose-Headers"]) == ",".join(EXPOSED_HEADERS)
    assert headers[REQUEST_ID_HEADER] == "context.requestId"
    if method == "options":
        assert literal(headers["Access-Control-Allow-Headers"]) == ",".join(ALLOWED_HEADERS)
    else:
        assert literal(headers["Content-Type"]) == PROBLEM_JSON


def test_the_contract_asks_for_these_headers() -> None:
    """The envelope itself, against the contract (API.md, Cross-cutting)."""
    assert set(EXPOSED_HEADERS) == {"ETag", "Location", "X-Request-Id"}
    assert set(ALLOWED_HEADERS) == {
        "Authorization",
        "Content-Type",
        "If-Match",
        "If-None-Match",
        "Idempotency-Key",
    }
