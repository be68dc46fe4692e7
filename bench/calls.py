"""DynamoDB calls per request: every route, its success paths and each error path.

Runs the real handlers against the local DynamoDB (moto, in-process) and counts what the
SDK sends, per table and operation, retries included. Throttling (503) is answered by the
canned transport, since moto never throttles; the SDK's retry pauses are skipped there, its
retries are not.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.coldstart import private_stdout
from bench.lambda_env import (
    IDEMPOTENCY_TABLE,
    OTHER_OWNER,
    ROUTE_OF,
    SESSIONS_TABLE,
    Context,
    api_event,
    run_json_child,
    session_body,
    start_invocation,
)

UNKNOWN_ID = "01JD5Z8Q3W6X9Y2A4B7C0D1E3Z"


@dataclass(frozen=True)
class Scenario:
    function: str
    case: str
    expected: int
    event: Callable[[], dict[str, Any]]
    budget: int | None = None  # sessions-table calls a success path must make


class World:
    """What the scenarios refer to: the caller's session, another caller's, a cursor."""

    def __init__(self) -> None:
        self.mine = ""
        self.version = 1
        self.theirs = ""
        self.cursor = ""

    def call(self, handler: Any, event: dict[str, Any]) -> dict[str, Any]:
        start_invocation()
        response: dict[str, Any] = handler(event, Context())
        return response


def _tampered(cursor: str) -> str:
    """The cursor with its first character changed (to another one, whatever it was)."""
    return ("B" if cursor.startswith("A") else "A") + cursor[1:]


def scenarios(world: World) -> list[Scenario]:
    create, listing = ROUTE_OF["create_session"], ROUTE_OF["list_sessions"]
    get, update, delete = (ROUTE_OF[f"{verb}_session"] for verb in ("get", "update", "delete"))
    body = session_body()

    def keyed(key: str, data: dict[str, Any] = body) -> Callable[[], dict[str, Any]]:
        return lambda: api_event(create, body=data, headers={"Idempotency-Key": key})

    def with_match(route: Any, version: str, **kw: Any) -> Callable[[], dict[str, Any]]:
        return lambda: api_event(route, session_id=world.mine, headers={"If-Match": version}, **kw)

    new_title = {"title": "Renamed"}
    return [
        Scenario("create_session", "201", 201, lambda: api_event(create, body=body), 1),
        Scenario("create_session", "201 Idempotency-Key, first", 201, keyed("k-first"), 1),
        Scenario("create_session", "201 Idempotency-Key, replay", 201, keyed("k-first"), 0),
        Scenario(
            "create_session", "422 key reused, other body", 422, keyed("k-first", session_body("x"))
        ),
        Scenario("create_session", "409 key in flight", 409, keyed("k-in-flight")),
        Scenario("create_session", "400 body invalid", 400, lambda: api_event(create, body={})),
        Scenario("create_session", "400 not JSON", 400, lambda: api_event(create, body="{nope")),
        Scenario("create_session", "400 bad key", 400, keyed("\x7f" * 3)),
        Scenario("create_session", "401 no identity", 401, lambda: api_event(create, owner=None)),
        Scenario("list_sessions", "200", 200, lambda: api_event(listing), 1),
        Scenario(
            "list_sessions",
            "200 status filter",
            200,
            lambda: api_event(listing, query={"status": "scheduled"}),
            1,
        ),
        Scenario(
            "list_sessions",
            "200 next page",
            200,
            lambda: api_event(listing, query={"limit": "1", "cursor": world.cursor}),
            1,
        ),
        Scenario(
            "list_sessions",
            "400 tampered cursor",
            400,
            lambda: api_event(listing, query={"cursor": _tampered(world.cursor)}),
        ),
        Scenario(
            "list_sessions", "400 bad limit", 400, lambda: api_event(listing, query={"limit": "0"})
        ),
        Scenario("get_session", "200", 200, lambda: api_event(get, session_id=world.mine), 1),
        Scenario(
            "get_session", "403 another's", 403, lambda: api_event(get, session_id=world.theirs)
        ),
        Scenario("get_session", "404", 404, lambda: api_event(get, session_id=UNKNOWN_ID)),
        Scenario("get_session", "400 malformed id", 400, lambda: api_event(get, session_id="nope")),
        Scenario(
            "update_session",
            "200",
            200,
            lambda: api_event(update, session_id=world.mine, body=new_title),
            1,
        ),
        Scenario(
            "update_session", "200 If-Match", 200, with_match(update, '"2"', body=new_title), 1
        ),
        Scenario(
            "update_session", "412 stale If-Match", 412, with_match(update, '"1"', body=new_title)
        ),
        Scenario(
            "update_session",
            "403 another's",
            403,
            lambda: api_event(update, session_id=world.theirs, body=new_title),
        ),
        Scenario(
            "update_session",
            "404",
            404,
            lambda: api_event(update, session_id=UNKNOWN_ID, body=new_title),
        ),
        Scenario(
            "update_session",
            "400 endsAt before stored startsAt",
            400,
            lambda: api_event(
                update, session_id=world.mine, body={"endsAt": "2000-01-01T00:00:00Z"}
            ),
        ),
        Scenario(
            "update_session",
            "400 body invalid",
            400,
            lambda: api_event(update, session_id=world.mine, body={"version": 9}),
        ),
        Scenario(
            "update_session", "400 bad If-Match", 400, with_match(update, "3", body=new_title)
        ),
        Scenario("delete_session", "412 stale If-Match", 412, with_match(delete, '"1"')),
        Scenario(
            "delete_session",
            "403 another's",
            403,
            lambda: api_event(delete, session_id=world.theirs),
        ),
        Scenario("delete_session", "404", 404, lambda: api_event(delete, session_id=UNKNOWN_ID)),
        Scenario("delete_session", "400 bad If-Match", 400, with_match(delete, "W/1")),
        Scenario("delete_session", "204", 204, lambda: api_event(delete, session_id=world.mine), 1),
    ]


THROTTLED: list[tuple[str, Callable[[], dict[str, Any]]]] = [
    ("create_session", lambda: api_event(ROUTE_OF["create_session"], body=session_body())),
    ("list_sessions", lambda: api_event(ROUTE_OF["list_sessions"])),
    ("get_session", lambda: api_event(ROUTE_OF["get_session"])),
    ("update_session", lambda: api_event(ROUTE_OF["update_session"], body={"title": "x"})),
    ("delete_session", lambda: api_event(ROUTE_OF["delete_session"])),
]


def _operation(request: Any) -> str:
    target = request.headers["X-Amz-Target"]
    return str(target.decode() if isinstance(target, bytes) else target).rsplit(".", 1)[-1]


def child() -> None:
    channel = private_stdout()
    import boto3
    from moto import mock_aws
    from session_actions.storage.repository import dynamodb_client

    from bench.canned import CannedDynamoDB, error
    from bench.tables import create_tables, load_function

    counted: Counter[tuple[str, str]] = Counter()

    def count(request: Any, **_: Any) -> None:
        table = json.loads(request.body or b"{}").get("TableName", "")
        counted[(table, _operation(request))] += 1

    rows: list[dict[str, Any]] = []
    with mock_aws():
        boto3.setup_default_session()
        create_tables(dynamodb_client())
        dynamodb_client().meta.events.register("before-send.dynamodb", count)
        handlers = {name: load_function(name).handler for name in ROUTE_OF}
        world = World()
        _prepare(world, handlers)
        for scenario in scenarios(world):
            counted.clear()
            response = world.call(handlers[scenario.function], scenario.event())
            rows.append(
                _row(
                    scenario.function,
                    scenario.case,
                    scenario.expected,
                    response,
                    counted,
                    scenario.budget,
                )
            )

    # Throttling: every attempt answered "busy"; the pause between attempts is skipped.
    import botocore.endpoint

    class _NoPause:
        @staticmethod
        def sleep(_: float) -> None:
            return None

    vars(botocore.endpoint)["time"] = _NoPause
    dynamodb_client.cache_clear()
    canned = CannedDynamoDB(
        lambda op, params: error("ProvisionedThroughputExceededException", "busy")
    )
    canned.attach_to_new_default_session()
    for function, event in THROTTLED:
        canned.calls.clear()
        response = World().call(handlers[function], event())
        rows.append(_row(function, "503 throttled", 503, response, canned.calls, None))
    channel.write(json.dumps(rows) + "\n")
    channel.flush()


def _prepare(world: World, handlers: dict[str, Any]) -> None:
    """Two sessions of the caller, one of another caller, a cursor, and a key in flight."""
    from session_actions.storage.repository import dynamodb_client

    create = ROUTE_OF["create_session"]
    created = [
        json.loads(
            world.call(handlers["create_session"], api_event(create, body=session_body()))["body"]
        )
        for _ in range(2)
    ]
    world.mine = created[-1]["id"]
    theirs = world.call(
        handlers["create_session"], api_event(create, body=session_body(), owner=OTHER_OWNER)
    )
    world.theirs = json.loads(theirs["body"])["id"]
    first = world.call(
        handlers["list_sessions"], api_event(ROUTE_OF["list_sessions"], query={"limit": "1"})
    )
    world.cursor = json.loads(first["body"])["nextCursor"]

    client = dynamodb_client()
    before = {item["id"]["S"] for item in client.scan(TableName=IDEMPOTENCY_TABLE)["Items"]}
    world.call(
        handlers["create_session"],
        api_event(create, body=session_body(), headers={"Idempotency-Key": "k-in-flight"}),
    )
    record = next(
        item["id"]["S"]
        for item in client.scan(TableName=IDEMPOTENCY_TABLE)["Items"]
        if item["id"]["S"] not in before
    )
    client.update_item(
        TableName=IDEMPOTENCY_TABLE,
        Key={"id": {"S": record}},
        UpdateExpression="SET #s = :s, #e = :e",
        ExpressionAttributeNames={"#s": "status", "#e": "in_progress_expiration"},
        ExpressionAttributeValues={
            ":s": {"S": "INPROGRESS"},
            ":e": {"N": str(int(time.time() * 1000) + 600_000)},
        },
    )


def _row(
    function: str,
    case: str,
    expected: int,
    response: dict[str, Any],
    counted: Counter[tuple[str, str]],
    budget: int | None,
) -> dict[str, Any]:
    def describe(table: str) -> str:
        ops = sorted((op, n) for (name, op), n in counted.items() if name == table)
        return " + ".join(f"{op}" if n == 1 else f"{op} x{n}" for op, n in ops) or "-"

    return {
        "function": function,
        "case": case,
        "expected": expected,
        "status": response["statusCode"],
        "sessions_calls": sum(n for (table, _), n in counted.items() if table == SESSIONS_TABLE),
        "sessions": describe(SESSIONS_TABLE),
        "idempotency": describe(IDEMPOTENCY_TABLE),
        "budget": budget,
    }


def measure() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run_json_child("bench.calls", "calls")
    return rows


if __name__ == "__main__":
    os.environ.pop("_X_AMZN_TRACE_ID", None)
    child()
