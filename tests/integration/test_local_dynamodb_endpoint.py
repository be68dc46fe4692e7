"""``serve --dynamodb-endpoint`` on an empty DynamoDB of each store: the template's tables are
created there (keys, indexes), and a second start uses them as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.cloudformation import resources
from tests.localapi import LocalApi
from tests.stores import admin_client, endpoint


def template_tables() -> dict[str, dict[str, Any]]:
    """Each table of template.yaml by its local name (the logical id: no TableName is set)."""
    tables = resources("AWS::DynamoDB::Table")
    assert all("TableName" not in table["Properties"] for table in tables.values())
    return {logical_id: table["Properties"] for logical_id, table in tables.items()}


def indexes(properties: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    # An index the template adds under a condition is there with the default parameters.
    declared = [
        index["Fn::If"][1] if "Fn::If" in index else index
        for index in properties.get("GlobalSecondaryIndexes") or []
    ]
    return {
        index["IndexName"]: (index["KeySchema"], index["Projection"]["ProjectionType"])
        for index in declared
    }


def serve_once(workdir: Path, url: str) -> str:
    """The banner of one start of the local API on ``url``, and it stops cleanly."""
    api = LocalApi(workdir, "--dynamodb-endpoint", url).start()
    banner = api.stdout
    assert api.stop() == 0, api.stderr
    return banner


def test_the_template_tables_are_created_on_the_endpoint_and_kept(
    dynamodb_store: str, tmp_path: Path
) -> None:
    wanted = template_tables()
    with endpoint(dynamodb_store, tmp_path) as url:
        first = serve_once(tmp_path / "first", url)

        admin = admin_client(url)
        assert sorted(admin.list_tables()["TableNames"]) == sorted(wanted)
        for name, properties in wanted.items():
            table = admin.describe_table(TableName=name)["Table"]
            assert table["TableStatus"] == "ACTIVE"
            assert table["KeySchema"] == properties["KeySchema"]
            assert indexes(table) == indexes(properties), name
            assert f"created table {name}" in first
            ttl = properties.get("TimeToLiveSpecification")
            if ttl:
                # Turned on; or, on a store that has no time to live, said so at start-up.
                found = admin.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
                assert (found.get("AttributeName"), found["TimeToLiveStatus"]) == (
                    ttl["AttributeName"],
                    "ENABLED",
                ) or f"{name}: this DynamoDB has no time to live" in first, first
        # Neither is a reason to give up on the store.
        assert "warning" not in first.lower(), first

        again = serve_once(tmp_path / "again", url)

        for name in wanted:
            assert f"using existing table {name}" in again
        assert "warning" not in again.lower(), again
