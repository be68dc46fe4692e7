"""Canned DynamoDB: botocore sends nothing; a ``before-send`` hook answers every request.

The whole client runs (parameter validation, serialisation, signing, retries, parsing);
only the socket is replaced. Standard library only at import; botocore is imported when the
first answer is built, by which time the client under test has loaded it anyway.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from bench.lambda_env import OWNER, SESSION_ID

Answer = tuple[int, dict[str, Any]]
Script = Callable[[str, dict[str, Any]], Answer]


def session_attributes(
    session_id: str = SESSION_ID, owner: str = OWNER, version: int = 3
) -> dict[str, Any]:
    """A stored session as DynamoDB returns it."""
    return {
        "owner": {"S": owner},
        "id": {"S": session_id},
        "ownerStatus": {"S": f"{owner}#scheduled"},
        "title": {"S": "Design review"},
        "description": {"S": "Walk through the storage design"},
        "status": {"S": "scheduled"},
        "startsAt": {"S": "2030-01-31T09:00:00.000Z"},
        "endsAt": {"S": "2030-01-31T10:00:00.000Z"},
        "tags": {"L": [{"S": "design"}, {"S": "storage"}]},
        "createdAt": {"S": "2029-12-01T08:00:00.000Z"},
        "updatedAt": {"S": "2029-12-02T08:00:00.000Z"},
        "version": {"N": str(version)},
    }


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def page_ids(count: int) -> list[str]:
    """``count`` distinct ULIDs, newest first."""
    return [
        f"01JD5Z8Q3W6X9Y2A4B7C0D{_CROCKFORD[n // 32]}{_CROCKFORD[n % 32]}ZZ" for n in range(count)
    ][::-1]


def success(operation: str, params: dict[str, Any]) -> Answer:
    """Every operation succeeds; reads return the stored session (a query, a full page)."""
    if operation == "GetItem":
        return 200, {"Item": session_attributes()}
    if operation == "Query":
        items = [session_attributes(session_id) for session_id in page_ids(params["Limit"])]
        return 200, {"Items": items, "Count": len(items), "ScannedCount": len(items)}
    if operation == "UpdateItem":
        return 200, {"Attributes": session_attributes(version=4)}
    return 200, {}


def error(code: str, message: str, **extra: Any) -> Answer:
    return 400, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **extra}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class CannedDynamoDB:
    """Answers DynamoDB requests from ``script`` and counts them by table and operation."""

    def __init__(self, script: Script = success) -> None:
        self.script = script
        self.calls: Counter[tuple[str, str]] = Counter()

    def attach(self, events: Any) -> None:
        """Register on a botocore event emitter (a session's, before its clients are made)."""
        events.register("before-send.dynamodb", self)

    def attach_to_new_default_session(self) -> None:
        """Answer for every client ``boto3.client`` makes from now on (as the library's)."""
        import boto3

        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        self.attach(boto3.DEFAULT_SESSION.events)

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse, HTTPHeaders

        target = request.headers["X-Amz-Target"]
        operation = (target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]
        params = json.loads(request.body or b"{}")
        self.calls[(params.get("TableName", ""), operation)] += 1
        status, payload = self.script(operation, params)
        body = json.dumps(payload).encode()
        headers = {
            "x-amzn-RequestId": "BENCHREQUEST",
            "Content-Type": "application/x-amz-json-1.0",
            "Content-Length": str(len(body)),
        }
        return AWSResponse(request.url, status, HTTPHeaders.from_dict(headers), _Raw(body))
