"""The baseline: a bare handler with boto3 and a DynamoDB client at module level, nothing else.

It makes the same DynamoDB call each function makes on its success path and answers with
the raw result as JSON: no framework, no validation, no logging, metrics or tracing.
"""

import json
import os
import time
from typing import Any

import boto3

client = boto3.client("dynamodb")
TABLE = os.environ["SESSIONS_TABLE_NAME"]


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    owner = event["requestContext"]["authorizer"]["claims"]["sub"]
    key = {"owner": {"S": owner}, "id": {"S": (event["pathParameters"] or {}).get("id", "")}}
    method = event["httpMethod"]
    result: Any
    if method == "POST":
        body = json.loads(event["body"])
        item = {"owner": {"S": owner}, "id": {"S": f"{time.time_ns():026d}"}}
        item["title"] = {"S": body["title"]}
        client.put_item(TableName=TABLE, Item=item)
        status, result = 201, item
    elif method == "GET" and event["resource"] == "/sessions":
        page = client.query(
            TableName=TABLE,
            KeyConditionExpression="#o = :o",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":o": {"S": owner}},
            ScanIndexForward=False,
            Limit=21,
        )
        status, result = 200, page["Items"]
    elif method == "GET":
        status, result = 200, client.get_item(TableName=TABLE, Key=key).get("Item")
    elif method == "PUT":
        body = json.loads(event["body"])
        updated = client.update_item(
            TableName=TABLE,
            Key=key,
            UpdateExpression="SET #t = :t",
            ExpressionAttributeNames={"#t": "title"},
            ExpressionAttributeValues={":t": {"S": body["title"]}},
            ReturnValues="ALL_NEW",
        )
        status, result = 200, updated["Attributes"]
    else:
        client.delete_item(TableName=TABLE, Key=key)
        return {"statusCode": 204, "headers": {}, "body": ""}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(result),
    }
