"""The framework floor: the functions' stack with none of the session-actions library.

Powertools' APIGatewayRestResolver with validation and one typed route per operation, Logger,
Metrics and the Tracer (patching botocore) wrapped as the functions wrap them, and a DynamoDB
client at module level sending the bare handler's request (``same_call``) once the route's
parameters are validated. What a function costs beyond this is the library's; what this
costs beyond the bare handler is the framework's.
"""

import json
import re
from typing import Annotated, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

from bench.same_call import call

logger = Logger()
metrics = Metrics()
tracer = Tracer(patch_modules=["botocore"])
client = boto3.client("dynamodb")
ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$").pattern
app = APIGatewayRestResolver(enable_validation=True)


class Title(BaseModel):
    title: str


def _answer() -> Response[str]:
    status, result = call(client, app.current_event.raw_event)
    return Response(status, "application/json", json.dumps(result))


@app.post("/sessions")
def create(body: Annotated[Title, Body()]) -> Response[str]:
    return _answer()


@app.get("/sessions")
def page(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Response[str]:
    return _answer()


@app.get("/sessions/<id>")
def get(id: Annotated[str, Path(pattern=ULID)]) -> Response[str]:
    return _answer()


@app.put("/sessions/<id>")
def update(
    id: Annotated[str, Path(pattern=ULID)],
    body: Annotated[Title, Body()],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[str]:
    return _answer()


@app.delete("/sessions/<id>")
def delete(
    id: Annotated[str, Path(pattern=ULID)],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[None]:
    call(client, app.current_event.raw_event)
    return Response(204, None, None)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
