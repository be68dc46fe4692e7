"""The framework floor: the functions' stack with none of the session-actions library.

Powertools' APIGatewayRestResolver with validation and one typed route per operation, Logger,
Metrics and the Tracer (patching botocore) wrapped as the functions wrap them, and a DynamoDB
client at module level making the bare handler's call. What a function costs beyond this is
the library's; what this costs beyond the bare handler is the framework's.
"""

import json
import os
import re
from typing import Annotated, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=["botocore"])
client = boto3.client("dynamodb")
TABLE = os.environ["SESSIONS_TABLE_NAME"]
ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$").pattern
app = APIGatewayRestResolver(enable_validation=True)


class Title(BaseModel):
    title: str


def _owner() -> dict[str, Any]:
    return {"S": app.current_event.request_context.authorizer.claims["sub"]}


@app.post("/sessions")
def create(body: Annotated[Title, Body()]) -> Response[str]:
    item = {
        "owner": _owner(),
        "id": {"S": "01JD5Z8Q3W6X9Y2A4B7C0D1E3F"},
        "title": {"S": body.title},
    }
    client.put_item(TableName=TABLE, Item=item)
    return Response(201, "application/json", json.dumps(item))


@app.get("/sessions")
def page(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Response[str]:
    response = client.query(
        TableName=TABLE,
        KeyConditionExpression="#o = :o",
        ExpressionAttributeNames={"#o": "owner"},
        ExpressionAttributeValues={":o": _owner()},
        ScanIndexForward=False,
        Limit=limit + 1,
    )
    return Response(200, "application/json", json.dumps(response["Items"]))


@app.get("/sessions/<id>")
def get(id: Annotated[str, Path(pattern=ULID)]) -> Response[str]:
    item = client.get_item(TableName=TABLE, Key={"owner": _owner(), "id": {"S": id}}).get("Item")
    return Response(200, "application/json", json.dumps(item))


@app.put("/sessions/<id>")
def update(
    id: Annotated[str, Path(pattern=ULID)],
    body: Annotated[Title, Body()],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[str]:
    response = client.update_item(
        TableName=TABLE,
        Key={"owner": _owner(), "id": {"S": id}},
        UpdateExpression="SET #t = :t",
        ExpressionAttributeNames={"#t": "title"},
        ExpressionAttributeValues={":t": {"S": body.title}},
        ReturnValues="ALL_NEW",
    )
    return Response(200, "application/json", json.dumps(response["Attributes"]))


@app.delete("/sessions/<id>")
def delete(
    id: Annotated[str, Path(pattern=ULID)],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[None]:
    client.delete_item(TableName=TABLE, Key={"owner": _owner(), "id": {"S": id}})
    return Response(204, None, None)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
