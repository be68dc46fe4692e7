"""The DynamoDB request each function sends on its success path, for the baselines.

The same item, expressions and options as the session-actions library sends, so a baseline
differs from a function by everything but the call. Standard library only.
"""

import json
import os
import time
from typing import Any


def _attributes(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, list):
            out[name] = {"L": [{"S": entry} for entry in value]}
        elif isinstance(value, int):
            out[name] = {"N": str(value)}
        elif value is not None:
            out[name] = {"S": value}
    return out


def call(client: Any, event: dict[str, Any]) -> tuple[int, Any]:
    """Send the DynamoDB request the event's route sends on success; its status and result."""
    owner = event["requestContext"]["authorizer"]["claims"]["sub"]
    key = {"owner": {"S": owner}, "id": {"S": (event["pathParameters"] or {}).get("id", "")}}
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    method = event["httpMethod"]
    result: Any
    if method == "POST":
        body = json.loads(event["body"])
        item = {"owner": owner, "id": f"{time.time_ns():026d}", **body}
        item.update(createdAt=now, updatedAt=now, version=1)
        item["ownerStatus"] = f"{owner}#{body['status']}"
        client.put_item(
            TableName=os.environ["SESSIONS_TABLE_NAME"],
            Item=_attributes(item),
            ConditionExpression="attribute_not_exists(#id)",
            ExpressionAttributeNames={"#id": "id"},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        status, result = 201, item
    elif method == "GET" and event["resource"] == "/sessions":
        page = client.query(
            TableName=os.environ["SESSIONS_TABLE_NAME"],
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": "owner"},
            ExpressionAttributeValues={":pk": {"S": owner}},
            ScanIndexForward=False,
            Limit=21,
        )
        status, result = 200, page["Items"]
    elif method == "GET":
        found = client.get_item(
            TableName=os.environ["SESSIONS_TABLE_NAME"], Key=key, ConsistentRead=True
        )
        status, result = 200, found.get("Item")
    elif method == "PUT":
        body = json.loads(event["body"])
        updated = client.update_item(
            TableName=os.environ["SESSIONS_TABLE_NAME"],
            Key=key,
            UpdateExpression="SET #version = #version + :one, #updatedAt = :updatedAt, #t = :t",
            ConditionExpression="attribute_exists(#id)",
            ExpressionAttributeNames={
                "#id": "id",
                "#version": "version",
                "#updatedAt": "updatedAt",
                "#t": "title",
            },
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":updatedAt": {"S": now},
                ":t": {"S": body["title"]},
            },
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        status, result = 200, updated["Attributes"]
    else:
        client.delete_item(
            TableName=os.environ["SESSIONS_TABLE_NAME"],
            Key=key,
            ConditionExpression="attribute_exists(#id)",
            ExpressionAttributeNames={"#id": "id"},
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
        status, result = 204, None
    return status, result
