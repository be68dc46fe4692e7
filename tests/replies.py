"""A response as the API's client sees it, and the checks every error response must pass.

Both kinds of suite read responses as ``Reply``: the handler suites (tests/unit,
tests/contract) build one from a handler's proxy response the way API Gateway passes it on
(``Reply.of``), the HTTP suites from the local API's socket (tests/localapi.py). So one
``assert_problem`` holds every error, a handler's or the gateway's, to the same contract.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

ALLOWED_ORIGIN = "https://app.example.com"  # the template's AllowedOrigin, as the tests run it
PROBLEM_FIELDS = {"type", "title", "status", "detail", "errors", "requestId"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]]  # as received: in order, names as sent, repeats kept
    body: bytes
    # The id API Gateway gave the request, when the test knows it (the event's requestContext).
    request_id: str | None = None

    @classmethod
    def of(cls, response: dict[str, Any], event: dict[str, Any]) -> Reply:
        """A handler's proxy response to ``event`` as API Gateway answers it: ``headers`` and
        ``multiValueHeaders`` sent together, neither naming a header the other does."""
        headers = [
            (name, value)
            for name, values in (response.get("multiValueHeaders") or {}).items()
            for value in values
        ]
        headers += list((response.get("headers") or {}).items())
        names = [name.lower() for name, _ in headers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        assert not repeated, f"headers sent more than once: {repeated}"
        assert not response.get("isBase64Encoded"), "a JSON API answers in text"
        body = (response.get("body") or "").encode()
        return cls(response["statusCode"], headers, body, event["requestContext"]["requestId"])

    def header(self, name: str) -> str | None:
        """The last value of a header, matched case-insensitively; None when it is absent."""
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        return values[-1] if values else None

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return json.loads(self.body)


def assert_common_headers(reply: Reply, origin: str = ALLOWED_ORIGIN) -> None:
    """What every response carries, errors included: its request id, and CORS for ``origin``
    (the allowed origin, or the loopback origin the local API echoes)."""
    request_id = reply.header("X-Request-Id")
    assert request_id
    if reply.request_id is not None:
        assert request_id == reply.request_id
    assert reply.header("Access-Control-Allow-Origin") == origin
    exposed = {
        name.strip().lower()
        for name in (reply.header("Access-Control-Expose-Headers") or "").split(",")
    }
    assert {"etag", "location", "x-request-id"} <= exposed


def assert_problem_document(problem: dict[str, Any], status: int, request_id: str | None) -> None:
    """An RFC 9457 problem of this status, as the contract writes one; ``request_id`` is the
    X-Request-Id it came with."""
    assert set(problem) <= PROBLEM_FIELDS, problem
    assert problem["type"] == "about:blank"
    assert problem["title"] == HTTPStatus(status).phrase
    assert problem["status"] == status
    assert isinstance(problem["detail"], str)
    assert problem["detail"]
    assert request_id
    assert problem["requestId"] == request_id
    for error in problem.get("errors", []):
        assert set(error) == {"field", "message"}
        assert isinstance(error["field"], str)
        assert error["field"]
        assert isinstance(error["message"], str)
        assert error["message"]


def assert_problem(reply: Reply, status: int, *, origin: str = ALLOWED_ORIGIN) -> dict[str, Any]:
    """``reply`` is a problem+json of this status with the headers every response carries, its
    requestId the X-Request-Id header; its body, for further checks."""
    assert reply.status == status, reply.body
    assert reply.header("Content-Type") == "application/problem+json"
    assert_common_headers(reply, origin)
    problem: dict[str, Any] = reply.json()
    assert_problem_document(problem, status, reply.header("X-Request-Id"))
    return problem


def fields_of(problem: dict[str, Any]) -> list[str]:
    """The dotted field paths a 400 names, in order."""
    return [error["field"] for error in problem.get("errors", [])]
