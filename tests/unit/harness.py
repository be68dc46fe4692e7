"""What the tests drive the handlers with and look at DynamoDB through.

* ``Api`` calls the real Lambda handler of a route with a REST proxy event, as API Gateway
  would, on behalf of a signed-in user (or of nobody);
* ``Faults`` makes the functions' DynamoDB client's calls fail the way DynamoDB fails
  (throttling, no connection) or wait, while the SDK's own retry logic still runs;
* ``Store`` reads the tables directly, with a client of its own, to see what was written;
* ``FailedItems`` makes the functions' client meet a store that does not return the item a
  failed condition met, as some DynamoDB-compatible stores do not.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from moto.core.models import botocore_stubber

from tests.apigw import claims_for, rest_event
from tests.handlers import invoke
from tests.replies import Reply

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

ALICE = "4f1c2a9e-6b1d-4c3e-9f7a-0a11ce000001"
BOB = "7d3e5b20-2c4f-4a6b-8e1d-000000b0b002"
USERS = {"alice": ALICE, "bob": BOB}

_UNSET: Any = object()


class Api:
    """Calls the handlers the way API Gateway does, on behalf of a signed-in user."""

    def request(
        self,
        method: str,
        path: str,
        *,
        user: str | None = "alice",
        claims: dict[str, str] | None = None,
        json_body: Any = _UNSET,
        body: str | None = None,
        is_base64: bool = False,
        headers: dict[str, str | None] | None = None,
        query: dict[str, str] | None = None,
    ) -> Reply:
        """``user=None`` sends no claims at all; ``claims`` replaces the user's claims."""
        if json_body is not _UNSET:
            body = json.dumps(json_body)
        if claims is None and user is not None:
            claims = claims_for(USERS[user], user)
        event = rest_event(
            method,
            path,
            claims=claims,
            headers=headers,
            query=query,
            body=body,
            is_base64=is_base64,
        )
        return Reply.of(invoke(event), event)

    def post(self, path: str = "/sessions", **options: Any) -> Reply:
        return self.request("POST", path, **options)

    def get(self, path: str, **options: Any) -> Reply:
        return self.request("GET", path, **options)

    def put(self, path: str, **options: Any) -> Reply:
        return self.request("PUT", path, **options)

    def delete(self, path: str, **options: Any) -> Reply:
        return self.request("DELETE", path, **options)

    def create(self, user: str = "alice", **fields: Any) -> dict[str, Any]:
        """A new session of ``user``, made through the API; its representation."""
        reply = self.post(user=user, json_body={"title": "A session", **fields})
        assert reply.status == 201, reply.body
        session: dict[str, Any] = reply.json()
        return session


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class _Rule:
    operation: str | None
    table: str | None
    action: Callable[[AWSPreparedRequest], AWSResponse | None]
    times: int | None = None  # how many attempts it fails; None: all of them
    attempts: int = 0

    def matches(self, operation: str, table: str | None) -> bool:
        spent = self.times is not None and self.attempts >= self.times
        return not spent and self.operation in (None, operation) and self.table in (None, table)


class Faults:
    """Makes chosen calls of the functions' client fail or wait, below the SDK's retries.

    The rules replace the HTTP exchange itself (botocore's ``before-send``), so every retry
    attempt the SDK makes meets the same failure; a call no rule matches goes on to moto.
    """

    def __init__(self, client: DynamoDBClient) -> None:
        self._client = client
        self._rules: list[_Rule] = []
        self._installed = False

    def _install(self) -> None:
        if not self._installed:
            events = self._client.meta.events
            events.unregister("before-send", botocore_stubber)  # type: ignore[arg-type]
            events.register("before-send", self._send)
            self._installed = True

    def _send(self, request: AWSPreparedRequest, event_name: str, **kwargs: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        table = json.loads(request.body or b"{}").get("TableName")  # type: ignore[arg-type]
        for rule in self._rules:
            if rule.matches(operation, table):
                rule.attempts += 1
                response = rule.action(request)
                if response is not None:
                    return response
                break
        return botocore_stubber(event_name=event_name, request=request, **kwargs)

    def _add(self, rule: _Rule) -> _Rule:
        self._install()
        self._rules.append(rule)
        return rule

    def clear(self) -> None:
        self._rules.clear()

    def throttle(
        self,
        operation: str | None = None,
        table: str | None = None,
        code: str = "ProvisionedThroughputExceededException",
        times: int | None = None,
    ) -> _Rule:
        """Matching attempts are answered as DynamoDB answers when throttling (HTTP 400)."""
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "Rate exceeded"}
        ).encode()

        def answer(request: AWSPreparedRequest) -> AWSResponse:
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "X"}
            return AWSResponse(request.url, 400, headers, _Body(body))  # type: ignore[arg-type]

        return self._add(_Rule(operation, table, answer, times))

    def unreachable(self, operation: str | None = None, table: str | None = None) -> _Rule:
        """Matching calls cannot connect to the endpoint."""

        def answer(request: AWSPreparedRequest) -> AWSResponse:
            raise EndpointConnectionError(endpoint_url=request.url)

        return self._add(_Rule(operation, table, answer))

    def lose_response(
        self, operation: str | None = None, table: str | None = None, times: int = 1
    ) -> _Rule:
        """Matching attempts reach DynamoDB, but their answer times out on the way back."""

        def answer(request: AWSPreparedRequest) -> AWSResponse:
            botocore_stubber(event_name=f"before-send.dynamodb.{operation}", request=request)
            raise ReadTimeoutError(endpoint_url=request.url)

        return self._add(_Rule(operation, table, answer, times))

    @contextmanager
    def hold(
        self, operation: str, table: str, timeout: float = 5.0
    ) -> Iterator[tuple[threading.Event, threading.Event]]:
        """Matching calls wait, once reached (first event), until released (second event)."""
        reached, release = threading.Event(), threading.Event()

        def wait(request: AWSPreparedRequest) -> None:
            reached.set()
            assert release.wait(timeout), "the held call was never released"

        rule = self._add(_Rule(operation, table, wait))
        try:
            yield reached, release
        finally:
            release.set()
            self._rules.remove(rule)


class FailedItems:
    """What a failed conditional write returns of the item it met, on the functions' client.

    DynamoDB returns that item (``ReturnValuesOnConditionCheckFailure``); some compatible
    stores return none. ``withhold()`` takes it out of every ConditionalCheckFailedException
    answer before the SDK raises, and counts each one it took; ``then`` runs right after, for
    a test to change the item between the failed write and what the function does next.
    """

    def __init__(self, client: DynamoDBClient) -> None:
        self._client = client
        self.withheld = 0
        self.then: Callable[[], None] | None = None

    def withhold(self) -> None:
        self._client.meta.events.register("after-call.dynamodb", self._strip)

    def _strip(self, parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            return
        if parsed.pop("Item", None) is not None:
            self.withheld += 1
        if self.then is not None:
            self.then()


class Store:
    """The tables as DynamoDB holds them, read with a client the functions do not share."""

    def __init__(self, client: DynamoDBClient, sessions_table: str, idempotency_table: str) -> None:
        self._client = client
        self.sessions_table = sessions_table
        self.idempotency_table = idempotency_table

    def _scan(self, table: str) -> list[dict[str, Any]]:
        return self._client.scan(TableName=table, ConsistentRead=True)["Items"]

    def sessions(self) -> list[dict[str, Any]]:
        """Every stored session item, raw attribute values, ordered by id."""
        return sorted(self._scan(self.sessions_table), key=lambda item: item["id"]["S"])

    def idempotency_records(self) -> list[dict[str, Any]]:
        return self._scan(self.idempotency_table)


UTC_MILLIS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
# An id no session has: a well-formed ULID that was never issued.
UNKNOWN_ID = "01HZZZZZZZZZZZZZZZZZZZZZZZ"
