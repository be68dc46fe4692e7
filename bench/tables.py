"""The two tables on the local DynamoDB (moto), laid out as the repository documents them."""

from __future__ import annotations

import importlib.util
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bench.lambda_env import FUNCTIONS_DIR, IDEMPOTENCY_TABLE, SESSIONS_TABLE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient


def _string(*names: str) -> list[Any]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def create_tables(client: DynamoDBClient, sessions: str = SESSIONS_TABLE) -> None:
    client.create_table(
        TableName=sessions,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=_string("owner", "id", "ownerStatus"),
        KeySchema=[
            {"AttributeName": "owner", "KeyType": "HASH"},
            {"AttributeName": "id", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ById",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "ByOwnerStatus",
                "KeySchema": [
                    {"AttributeName": "ownerStatus", "KeyType": "HASH"},
                    {"AttributeName": "id", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    )
    if sessions == SESSIONS_TABLE:
        client.create_table(
            TableName=IDEMPOTENCY_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=_string("id"),
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        )


def load_function(function: str) -> ModuleType:
    """A function's ``app`` module under its own name, so all five fit in one process."""
    spec = importlib.util.spec_from_file_location(
        f"app_{function}", FUNCTIONS_DIR / function / "app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
