"""The template's DynamoDB tables on the local endpoint, created when missing: an existing
table is left alone, and keys or indexes unlike the template's are reported."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sessions_local.stack import Stack, TableSpec
from sessions_local.stack.intrinsics import Resolver

_INDEXES = "GlobalSecondaryIndexes"
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection")
# How a DynamoDB-compatible store answers an operation it does not implement.
_NOT_IMPLEMENTED = frozenset({"UnknownOperationException", "NotImplementedException"})


@dataclass(frozen=True)
class TablePlan:
    logical_id: str
    name: str
    create: Mapping[str, Any]
    ttl_attribute: str | None


def plan_table(spec: TableSpec, resolver: Resolver) -> TablePlan:
    """The CreateTable request for one template table (on demand, as the template's are)."""
    properties = resolver.resolve(dict(spec.properties))
    name = resolver.physical_ids.get(spec.logical_id) or properties.get("TableName")
    name = str(name or spec.logical_id)
    create: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes := properties.get(_INDEXES):
        create[_INDEXES] = [
            {key: index[key] for key in _INDEX_KEYS if key in index} for index in indexes
        ]
    ttl = properties.get("TimeToLiveSpecification") or {}
    ttl_attribute = ttl.get("AttributeName") if ttl.get("Enabled") else None
    return TablePlan(spec.logical_id, name, create, ttl_attribute)


def create_template_tables(
    client: Any, stack: Stack, region: str, names: Mapping[str, str]
) -> None:
    """The stack's tables, named as ``names`` (by logical id) says, else as the template does."""
    resolver = stack.resolver(region, physical_ids=names)
    TableProvisioner(client, [plan_table(spec, resolver) for spec in stack.tables]).ensure()


class TableProvisioner:
    """Makes sure the planned tables exist; safe to call again after the endpoint was down."""

    RETRY_AFTER_S = 5.0

    def __init__(self, client: Any, plans: list[TablePlan]) -> None:
        self._client = client
        self.plans = plans
        self._lock = threading.Lock()
        self._ready = False
        self._last_attempt = 0.0

    def ensure(self) -> list[str]:
        """Create what is missing; returns notes for the console. Raises on connection errors."""
        with self._lock:
            if self._ready:
                return []
            self._last_attempt = time.monotonic()
            pages = self._client.get_paginator("list_tables").paginate()
            existing = {name for page in pages for name in page["TableNames"]}
            notes = []
            for plan in self.plans:
                notes.extend(self._compare(plan) if plan.name in existing else self._create(plan))
            self._ready = True
            return notes

    def ensure_quietly(self) -> None:
        """``ensure`` at most every few seconds while the endpoint is down: meanwhile the
        functions meet the same failure and answer 503."""
        if not self._ready and time.monotonic() - self._last_attempt >= self.RETRY_AFTER_S:
            with contextlib.suppress(Exception):
                self.ensure()

    def _create(self, plan: TablePlan) -> list[str]:
        """A store without time to live (dynalite) is told, not a failure: nothing depends on
        expired items going away (an expired idempotency record is treated as absent)."""
        from botocore.exceptions import ClientError

        self._client.create_table(**plan.create)
        self._client.get_waiter("table_exists").wait(
            TableName=plan.name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        notes = [f"created table {plan.name}"]
        if plan.ttl_attribute:
            ttl = {"Enabled": True, "AttributeName": plan.ttl_attribute}
            try:
                self._client.update_time_to_live(TableName=plan.name, TimeToLiveSpecification=ttl)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in _NOT_IMPLEMENTED:
                    raise
                notes.append(
                    f"{plan.name}: this DynamoDB has no time to live; expired items are kept"
                )
        return notes

    def _compare(self, plan: TablePlan) -> list[str]:
        table = self._client.describe_table(TableName=plan.name)["Table"]
        have, want = (
            (shape.get("KeySchema"), {index["IndexName"] for index in shape.get(_INDEXES) or []})
            for shape in (table, plan.create)
        )
        notes = [f"using existing table {plan.name}"]
        if have != want:
            notes.append(f"warning: {plan.name} has other keys or indexes than the template")
        return notes
