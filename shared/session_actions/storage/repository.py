"""The sessions table: the only code that speaks DynamoDB.

Table layout (see template.yaml):
  * key: ``owner`` (the caller's ``sub``) + ``id`` (a ULID, so a descending query is newest first);
  * GSI ``ById`` (``id``, keys only): read only after a miss, to tell "someone else's" from "none";
  * GSI ``ByOwnerStatus`` (``ownerStatus`` = ``<sub>#<status>``, ``id``, all attributes): one
    caller's sessions in one status, newest first, without filtering a larger read;
  * GSIs ``ByOwnerStart`` (``owner``) and ``ByOwnerStatusStart`` (``ownerStatus``), both sorted
    by ``startsOrder`` = ``<startsAt>#<id>``, which only sessions with a start have: one caller's
    sessions (in one status) by start time, earliest first, ties by id.

Every write is conditional and asks for the item it failed against, so a success costs exactly
one call and a failure is explained without reading first. Not every DynamoDB-compatible store
returns that item (``ReturnValuesOnConditionCheckFailure``); when none comes back and the
condition was more than "the item exists", a consistent read of the caller's key tells what
the write met, so the explanation is the same on every store.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from session_actions.domain.errors import StoreUnavailable
from session_actions.domain.queries import ListQuery
from session_actions.settings import settings

if TYPE_CHECKING:
    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb.client import DynamoDBClient

BY_ID_INDEX = "ById"
BY_OWNER_STATUS_INDEX = "ByOwnerStatus"
BY_OWNER_START_INDEX = "ByOwnerStart"
BY_OWNER_STATUS_START_INDEX = "ByOwnerStatusStart"


_UNAVAILABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)

Item = dict[str, Any]
Attributes = dict[str, Any]

# How long a call may take before the caller is told 503. Standard mode tries a call up to
# SDK_ATTEMPTS times in all, backing off between attempts (up to 1 s, then 2 s, when throttled).
# A call that gets no answer gives up after about SDK_ATTEMPTS x READ_TIMEOUT_S = 3 s, so even
# the longest chain of failing calls a request makes (an idempotent create: the session's write,
# then the release of its key) ends well inside the functions' 10 s Timeout, and the function
# answers 503 with Retry-After itself instead of being cut off. DynamoDB answers in milliseconds.
SDK_ATTEMPTS = 3
CONNECT_TIMEOUT_S = 1
READ_TIMEOUT_S = 1


@functools.cache
def dynamodb_client() -> DynamoDBClient:
    """One client per process, built on first use so importing a handler does no work."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": SDK_ATTEMPTS},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        tcp_keepalive=True,
        # Every request is built here from input the models already validated; checking it
        # again against the API model costs ~50 us a call (docs/performance.md). DynamoDB
        # still refuses a malformed request (ValidationException).
        parameter_validation=False,
    )
    return boto3.client("dynamodb", region_name=settings().region, config=config)


Failure = Literal["missing", "version", "changed", "time_range"]


class ConditionFailed(Exception):
    """A conditional write did not apply, and which of its conditions failed: ``missing`` (the
    caller has no such item), ``version`` (it is at another version: ``current``), ``changed``
    (it changed during the write), ``time_range`` (the result would end before it starts)."""

    def __init__(self, failure: Failure, current: Item | None = None) -> None:
        super().__init__(failure)
        self.failure = failure
        self.current = current


def _breaks_time_range(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
    """Whether ``changes`` applied to ``stored`` would end before they start (both are UTC
    timestamps of one format, so text order is time order)."""
    result = {**stored, **changes}
    starts, ends = result.get("startsAt"), result.get("endsAt")
    return starts is not None and ends is not None and ends < starts


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn throttling and unreachable endpoints into StoreUnavailable; re-raise the rest."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    try:
        yield
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _UNAVAILABLE_CODES:
            raise StoreUnavailable("The database is busy; try again shortly") from error
        raise
    except (ConnectionError, HTTPClientError) as error:
        raise StoreUnavailable("The database could not be reached; try again shortly") from error


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` is DynamoDB throttling or out of reach, as translate_errors sees it."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in _UNAVAILABLE_CODES
    return isinstance(error, ConnectionError | HTTPClientError)


def to_attributes(item: Mapping[str, Any]) -> Attributes:
    """A session dict to DynamoDB attribute values; None fields are left out."""
    attributes: Attributes = {}
    for name, value in item.items():
        if value is None:
            continue
        if isinstance(value, bool):
            raise TypeError(name)
        if isinstance(value, int):
            attributes[name] = {"N": str(value)}
        elif isinstance(value, str):
            attributes[name] = {"S": value}
        elif isinstance(value, list):
            attributes[name] = {"L": [{"S": entry} for entry in value]}
        else:
            raise TypeError(name)
    return attributes


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    item: Item = {}
    for name, value in attributes.items():
        if "S" in value:
            item[name] = value["S"]
        elif "N" in value:
            item[name] = int(value["N"])
        elif "L" in value:
            item[name] = [entry["S"] for entry in value["L"]]
    return item


def owner_status(owner: str, status: str) -> str:
    return f"{owner}#{status}"


def starts_order(starts_at: str, session_id: str) -> str:
    # Timestamps share one fixed-width UTC format, so string order is time order; the id breaks
    # ties and makes the key unique.
    return f"{starts_at}#{session_id}"


@dataclass(frozen=True)
class Page:
    items: list[Item]
    # Where the next page starts after (the last item's position in the query's order), or
    # None when nothing follows.
    next_after: str | None


class SessionRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @classmethod
    def from_environment(cls) -> SessionRepository:
        return cls(dynamodb_client(), settings().require("sessions_table"))

    def _key(self, owner: str, session_id: str) -> Attributes:
        return {"owner": {"S": owner}, "id": {"S": session_id}}

    def insert(self, item: Item) -> None:
        """Store a new session; never overwrites one with the same key.

        When the SDK retries a put whose first attempt was stored but whose answer was lost,
        the retry finds that very item: the insert succeeded, it is not a conflict.
        """
        derived = {"ownerStatus": owner_status(item["owner"], item["status"])}
        if item.get("startsAt") is not None:
            derived["startsOrder"] = starts_order(item["startsAt"], item["id"])
        stored = to_attributes({**item, **derived})
        try:
            with translate_errors():
                self._client.put_item(
                    TableName=self._table,
                    Item=stored,
                    ConditionExpression="attribute_not_exists(#id)",
                    ExpressionAttributeNames={"#id": "id"},
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            # Only the very item this call wrote means the insert succeeded.
            if self._stored_after(error, item["owner"], item["id"]) != stored:
                raise

    def get(self, owner: str, session_id: str) -> Item | None:
        with translate_errors():
            raw = self._get_raw(owner, session_id)
        return from_attributes(raw) if raw is not None else None

    def _get_raw(self, owner: str, session_id: str) -> Attributes | None:
        response = self._client.get_item(
            TableName=self._table, Key=self._key(owner, session_id), ConsistentRead=True
        )
        raw: Attributes | None = response.get("Item")
        return raw

    def exists_for_anyone(self, session_id: str) -> bool:
        """Whether any caller has a session with this id (the ById index, keys only)."""
        with translate_errors():
            response = self._client.query(
                TableName=self._table,
                IndexName=BY_ID_INDEX,
                KeyConditionExpression="#id = :id",
                ExpressionAttributeNames={"#id": "id"},
                ExpressionAttributeValues={":id": {"S": session_id}},
                Limit=1,
            )
        return bool(response["Items"])

    def page(self, owner: str, query: ListQuery, limit: int, after: str | None) -> Page:
        """Up to ``limit`` sessions in the query's order, strictly after position ``after``.

        Newest first by id; or, for a window of start times, earliest start first. One partition
        of the table or of one index is read, and one more item than asked, so a page that
        happens to end at the last session has no ``next_after``.
        """
        if query.by_start:
            request = self._by_start_request(owner, query, after)
        else:
            request = self._by_id_request(owner, query.status, after)
        with translate_errors():
            response = self._client.query(
                TableName=self._table,
                Limit=limit + 1,
                **request,
            )
        items = [from_attributes(raw) for raw in response["Items"]]
        if len(items) <= limit:
            return Page(items, None)
        last = items[limit - 1]
        position = starts_order(last["startsAt"], last["id"]) if query.by_start else last["id"]
        return Page(items[:limit], str(position))

    def _by_id_request(self, owner: str, status: str | None, after: str | None) -> dict[str, Any]:
        if status is None:
            names = {"#pk": "owner"}
            values: Attributes = {":pk": {"S": owner}}
            index: dict[str, str] = {}
        else:
            names = {"#pk": "ownerStatus"}
            values = {":pk": {"S": owner_status(owner, status)}}
            index = {"IndexName": BY_OWNER_STATUS_INDEX}
        condition = "#pk = :pk"
        if after is not None:
            names["#id"] = "id"
            condition += " AND #id < :after"
            values[":after"] = {"S": after}
        return {
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            **index,
        }

    def _by_start_request(self, owner: str, query: ListQuery, after: str | None) -> dict[str, Any]:
        if query.status is None:
            names = {"#pk": "owner", "#sk": "startsOrder"}
            values: Attributes = {":pk": {"S": owner}}
            index = BY_OWNER_START_INDEX
        else:
            names = {"#pk": "ownerStatus", "#sk": "startsOrder"}
            values = {":pk": {"S": owner_status(owner, query.status)}}
            index = BY_OWNER_STATUS_START_INDEX
        # A key is "<startsAt>#<id>", so it sorts after the bare timestamp "<startsFrom>" and
        # before "<startsBefore>" exactly when startsFrom <= startsAt < startsBefore. BETWEEN is
        # inclusive: the cursor's own key is left out by starting just after it (key + NUL is
        # the smallest string greater than key).
        low = query.starts_from if after is None else after + "\x00"
        high = query.starts_before
        if low is not None and high is not None:
            range_condition = "#sk BETWEEN :low AND :high"
            values.update({":low": {"S": low}, ":high": {"S": high}})
        elif low is not None:
            range_condition = "#sk >= :low"
            values[":low"] = {"S": low}
        else:
            range_condition = "#sk < :high"
            values[":high"] = {"S": str(high)}
        return {
            "IndexName": index,
            "KeyConditionExpression": f"#pk = :pk AND {range_condition}",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": True,
        }

    def update(
        self,
        owner: str,
        session_id: str,
        changes: Mapping[str, Any],
        updated_at: str,
        expected_version: int | None,
    ) -> Item:
        """Apply ``changes`` and bump ``version`` atomically, in one conditional write.

        The condition holds the rules that depend on what is stored: the item is the caller's,
        it is at ``expected_version`` (when given), and ``endsAt >= startsAt`` still holds for
        whichever of the two was not sent. Raises ConditionFailed with the stored item.
        """
        names = {"#id": "id", "#version": "version", "#updatedAt": "updatedAt"}
        values: Attributes = {":one": {"N": "1"}, ":updatedAt": {"S": updated_at}}
        sets = ["#version = #version + :one", "#updatedAt = :updatedAt"]
        removes: list[str] = []
        conditions = ["attribute_exists(#id)"]

        for name, value in changes.items():
            names[f"#{name}"] = name
            if value is None:
                removes.append(f"#{name}")
                continue
            values[f":{name}"] = to_attributes({name: value})[name]
            sets.append(f"#{name} = :{name}")
        # The index keys derived from what changes move in the same write.
        if "status" in changes:
            names["#ownerStatus"] = "ownerStatus"
            values[":ownerStatus"] = {"S": owner_status(owner, changes["status"])}
            sets.append("#ownerStatus = :ownerStatus")
        if "startsAt" in changes:
            names["#startsOrder"] = "startsOrder"
            if changes["startsAt"] is None:
                removes.append("#startsOrder")
            else:
                values[":startsOrder"] = {"S": starts_order(changes["startsAt"], session_id)}
                sets.append("#startsOrder = :startsOrder")
        if expected_version is not None:
            values[":expected"] = {"N": str(expected_version)}
            conditions.append("#version = :expected")
        if changes.get("endsAt") is not None and "startsAt" not in changes:
            names["#startsAt"] = "startsAt"
            conditions.append("(attribute_not_exists(#startsAt) OR #startsAt <= :endsAt)")
        if changes.get("startsAt") is not None and "endsAt" not in changes:
            names["#endsAt"] = "endsAt"
            conditions.append("(attribute_not_exists(#endsAt) OR #endsAt >= :startsAt)")

        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        try:
            with translate_errors():
                response = self._client.update_item(
                    TableName=self._table,
                    Key=self._key(owner, session_id),
                    UpdateExpression=expression,
                    ConditionExpression=" AND ".join(conditions),
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            stored = self._stored_after(error, owner, session_id, len(conditions) == 1)
            raise _failure(stored, expected_version, changes) from error
        return from_attributes(response["Attributes"])

    def delete(self, owner: str, session_id: str, expected_version: int | None) -> None:
        names = {"#id": "id"}
        values: Attributes = {}
        condition = "attribute_exists(#id)"
        if expected_version is not None:
            names["#version"] = "version"
            values[":expected"] = {"N": str(expected_version)}
            condition += " AND #version = :expected"
        optional: dict[str, Any] = {"ExpressionAttributeValues": values} if values else {}
        try:
            with translate_errors():
                self._client.delete_item(
                    TableName=self._table,
                    Key=self._key(owner, session_id),
                    ConditionExpression=condition,
                    ExpressionAttributeNames=names,
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    **optional,
                )
        except self._client.exceptions.ConditionalCheckFailedException as error:
            stored = self._stored_after(error, owner, session_id, expected_version is None)
            raise _failure(stored, expected_version) from error

    def _stored_after(
        self, error: ClientError, owner: str, session_id: str, only_existence: bool = False
    ) -> Attributes | None:
        """The caller's item as a failed conditional write met it, or None when there is none.

        DynamoDB returns that item with the failure whenever there is one. Other stores may
        return nothing even then, so "nothing" is only trusted when existence was the whole
        condition; otherwise the item is read, consistently. A success never pays for this.
        """
        found: Attributes | None = error.response.get("Item")  # type: ignore[assignment]
        if found is None and not only_existence:
            with translate_errors():
                found = self._get_raw(owner, session_id)
        return found


def _failure(
    raw: Attributes | None, expected_version: int | None, changes: Mapping[str, Any] = {}
) -> ConditionFailed:
    """Which of an update's or a delete's (no ``changes``) conditions failed, from the item
    as stored."""
    if not raw:
        return ConditionFailed("missing")
    stored = from_attributes(raw)
    if expected_version is not None and stored["version"] != expected_version:
        return ConditionFailed("version", stored)
    # Without a version condition, an existing item failed an update's time range (a delete
    # then has no condition but existence); with one, a time range it does not break means it
    # was read after the failed write and has changed since.
    if expected_version is None or _breaks_time_range(stored, changes):
        return ConditionFailed("time_range", stored)
    return ConditionFailed("changed", stored)
