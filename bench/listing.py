"""List cost against data size: a page of 20 with 10 or with 10,000 other sessions stored.

Both tables hold the caller's 30 ``active`` sessions; the small one holds 10 other sessions,
the large one 10,000 (half the caller's, in other statuses and interleaved in time and in
start time, half other callers'). Requests alternate between the tables, newest first and by
a window of start times, each with and without ``status=active``.

Items read come from the Query responses (Count, ScannedCount). Time is split into the
store's part (from botocore's ``before-call`` to ``after-call``) and the rest of the handler:
moto's Query walks every item of the table before applying the key condition, so its time
grows with the table whatever the request asks, where DynamoDB reads only the key range.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench.coldstart import private_stdout
from bench.lambda_env import (
    OTHER_OWNER,
    OWNER,
    ROUTE_OF,
    SESSIONS_TABLE,
    Context,
    api_event,
    run_json_child,
    start_invocation,
)

SMALL, LARGE = f"{SESSIONS_TABLE}-10", f"{SESSIONS_TABLE}-10000"
SIZES = {SMALL: 10, LARGE: 10_000}
CALLER_ACTIVE = 30
PAGE = 20
# The caller's active sessions start in March 2030; the others anywhere in 2030, so every
# window below is read from a partition that also holds sessions outside it.
WINDOW = {"startsFrom": "2030-03-01T00:00:00Z", "startsBefore": "2030-04-01T00:00:00Z"}
VARIANTS: dict[str, dict[str, str]] = {
    "no filter": {},
    "status=active": {"status": "active"},
    "startsFrom/startsBefore": WINDOW,
    "window + status=active": {**WINDOW, "status": "active"},
}


def _items(others: int, seed: int) -> list[dict[str, Any]]:
    from session_actions.domain.ids import new_ulid
    from session_actions.storage.repository import owner_status, starts_order, to_attributes

    rng = random.Random(seed)
    start = 1_900_000_000_000
    statuses = ("scheduled", "completed", "cancelled")
    people = [OWNER] * (others // 2) + [
        f"{OTHER_OWNER[:-3]}{n % 500:03d}" for n in range(others - others // 2)
    ]
    sessions = [(OWNER, "active")] * CALLER_ACTIVE + [(who, rng.choice(statuses)) for who in people]
    rng.shuffle(sessions)
    items = []
    for n, (owner, status) in enumerate(sessions):
        month = 3 if status == "active" else rng.randint(1, 12)
        starts_at = f"2030-{month:02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00.000Z"
        session_id = new_ulid(start + n * 1000)
        item = {
            "owner": owner,
            "id": session_id,
            "ownerStatus": owner_status(owner, status),
            "startsAt": starts_at,
            "startsOrder": starts_order(starts_at, session_id),
            "title": f"Session {n}",
            "status": status,
            "tags": ["bench"],
            "createdAt": "2030-01-01T00:00:00.000Z",
            "updatedAt": "2030-01-01T00:00:00.000Z",
            "version": 1,
        }
        items.append(to_attributes(item))
    return items


def _fill(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={table: batch})


def child(rounds: int) -> None:
    channel = private_stdout()
    import boto3
    from moto import mock_aws
    from session_actions.settings import settings
    from session_actions.storage.repository import dynamodb_client

    from bench.tables import create_tables, load_function

    store: dict[str, Any] = {}

    def before(**_: Any) -> None:
        store["started"] = time.perf_counter()

    def after(parsed: dict[str, Any], **_: Any) -> None:
        store["elapsed"] = time.perf_counter() - store["started"]
        store["count"], store["scanned"] = parsed.get("Count"), parsed.get("ScannedCount")

    results: dict[str, dict[str, list[float]]] = {}
    with mock_aws():
        boto3.setup_default_session()
        client = dynamodb_client()
        for table, others in SIZES.items():
            create_tables(client, table)
            _fill(client, table, _items(others, seed=others))
        client.meta.events.register("before-call.dynamodb.Query", before)
        client.meta.events.register("after-call.dynamodb.Query", after)
        handler = load_function("list_sessions").handler
        route = ROUTE_OF["list_sessions"]

        def page(table: str, variant: dict[str, str]) -> dict[str, float]:
            os.environ["SESSIONS_TABLE_NAME"] = table
            settings.cache_clear()
            query = {"limit": str(PAGE), **variant}
            event = api_event(route, query=query)
            start_invocation()
            started = time.perf_counter()
            response = handler(event, Context())
            total = time.perf_counter() - started
            body = json.loads(response["body"])
            if (
                response["statusCode"] != 200
                or len(body["items"]) != PAGE
                or not body["nextCursor"]
            ):
                raise SystemExit(f"list {table} {variant}: {response}")
            return {
                "total": total,
                "store": store["elapsed"],
                "ours": total - store["elapsed"],
                "count": float(store["count"]),
                "scanned": float(store["scanned"]),
            }

        for _ in range(3):  # warm up both tables and both paths
            for table in SIZES:
                for variant in VARIANTS.values():
                    page(table, variant)
        for _ in range(rounds):
            for name, variant in VARIANTS.items():
                small, large = page(SMALL, variant), page(LARGE, variant)
                into = results.setdefault(name, {})
                for key in small:
                    into.setdefault(f"small_{key}", []).append(small[key])
                    into.setdefault(f"large_{key}", []).append(large[key])
                    into.setdefault(f"ratio_{key}", []).append(large[key] / small[key])
    channel.write(json.dumps(results) + "\n")
    channel.flush()


@dataclass
class ListSamples:
    variant: str
    series: dict[str, list[float]] = field(default_factory=dict)


def measure(rounds: int) -> list[ListSamples]:
    data: dict[str, dict[str, list[float]]] = run_json_child(
        "bench.listing", "list_sessions", str(rounds)
    )
    return [ListSamples(variant, series) for variant, series in data.items()]


if __name__ == "__main__":
    child(int(sys.argv[1]))
