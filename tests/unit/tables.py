"""The DynamoDB tables the functions use, created from template.yaml so tests and stack agree.

Each table is found through the environment variable that hands its name to the functions
(``SESSIONS_TABLE_NAME: !Ref SessionsTable``), and is created with the key schema, attribute
definitions and indexes the template declares. Without a template, the same layout is
spelled out here.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# What CreateTable needs to reproduce the keys and indexes; the rest of a CloudFormation table
# (encryption, recovery, deletion protection, TTL) changes nothing a request can observe.
_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput")
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")


def _attributes(*names: str) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": "S"} for name in names]


def _key(hash_key: str, range_key: str | None = None) -> list[dict[str, str]]:
    key = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key is not None:
        key.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return key


FALLBACK: dict[str, dict[str, Any]] = {
    "SESSIONS_TABLE_NAME": {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attributes("owner", "id", "ownerStatus"),
        "KeySchema": _key("owner", "id"),
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "ById",
                "KeySchema": _key("id"),
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": "ByOwnerStatus",
                "KeySchema": _key("ownerStatus", "id"),
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    },
    "IDEMPOTENCY_TABLE_NAME": {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attributes("id"),
        "KeySchema": _key("id"),
    },
}


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads ``!Ref X`` and the other short-form tags as ``{"Ref": "X"}`` / ``{"Fn::...": ...}``."""


def _intrinsic(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if tag == "Ref" else f"Fn::{tag}": value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def _environment_refs(template: dict[str, Any]) -> dict[str, str]:
    """Environment variable -> logical id of the resource it names with ``!Ref``."""
    environments = [template.get("Globals", {}).get("Function", {}).get("Environment", {})]
    environments += [
        resource.get("Properties", {}).get("Environment", {})
        for resource in template.get("Resources", {}).values()
    ]
    refs = {}
    for environment in environments:
        for name, value in (environment.get("Variables") or {}).items():
            if isinstance(value, dict) and set(value) == {"Ref"}:
                refs[name] = value["Ref"]
    return refs


def table_definitions() -> dict[str, dict[str, Any]]:
    """CreateTable arguments (without TableName) for each table, by its environment variable."""
    return copy.deepcopy(_definitions())


@functools.cache
def _definitions() -> dict[str, dict[str, Any]]:
    if not TEMPLATE.exists():
        return FALLBACK
    template = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CloudFormationLoader)  # noqa: S506
    refs = _environment_refs(template)
    definitions = {}
    for variable in FALLBACK:
        assert variable in refs, f"template.yaml gives the functions no {variable} (!Ref a table)"
        resource = template["Resources"][refs[variable]]
        assert resource["Type"] == "AWS::DynamoDB::Table", f"{variable} names {resource['Type']}"
        properties = resource["Properties"]
        definition = {key: properties[key] for key in _TABLE_KEYS if key in properties}
        indexes = [
            {key: index[key] for key in _INDEX_KEYS if key in index}
            for index in properties.get("GlobalSecondaryIndexes", [])
        ]
        if indexes:
            definition["GlobalSecondaryIndexes"] = indexes
        definitions[variable] = definition
    return definitions
