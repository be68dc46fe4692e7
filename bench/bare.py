"""The baseline: a bare handler with boto3 and a DynamoDB client at module level, nothing else.

It sends the very DynamoDB request each function sends on its success path (``same_call``:
the same item, expressions and options) and answers with the raw result as JSON: no
framework, no validation, no logging, metrics or tracing.
"""

import json
from typing import Any

import boto3

from bench.same_call import call

client = boto3.client("dynamodb")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    status, result = call(client, event)
    body = "" if result is None else json.dumps(result)
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": body}
