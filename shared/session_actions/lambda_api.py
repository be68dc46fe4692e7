"""From an API Gateway event to an action and back: what every function shares.

``build_resolver`` makes the Powertools resolver a function registers its one route on;
``lambda_entry`` wraps it into the Lambda handler that checks the caller (401) and the raw
body (400) before any route runs, and adds the headers every response carries.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.logging import correlation_paths

from session_actions import api_docs
from session_actions.errors import FieldError, InvalidRequest, NotAuthenticated, SessionError
from session_actions.http_errors import field_errors, problem, problem_for
from session_actions.ids import ULID_REGEX
from session_actions.models import Session
from session_actions.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

MAX_BODY_BYTES = 16 * 1024
JSON = "application/json"
ALLOWED_HEADERS = "Authorization,Content-Type,If-Match,Idempotency-Key"
EXPOSED_HEADERS = "ETag,Location,X-Request-Id"
# One strong ETag ("3") or *, with the optional whitespace HTTP allows around a value.
IF_MATCH_REGEX = r'^[ \t]*(?:(\*)|"([0-9]{1,15})")[ \t]*$'
_IF_MATCH = re.compile(IF_MATCH_REGEX)

# Route parameters that several functions take, with what the OpenAPI document says of them.
SessionIdPath = Annotated[str, Path(pattern=ULID_REGEX, description=api_docs.SESSION_ID)]
IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description=api_docs.IF_MATCH,
        json_schema_extra={"pattern": IF_MATCH_REGEX},
    ),
]

Event = dict[str, Any]
Handler = Callable[[Event, "LambdaContext"], dict[str, Any]]


def build_resolver() -> APIGatewayRestResolver:
    # A response that breaks its own model is our bug: 500, never blamed on the request.
    app = APIGatewayRestResolver(
        enable_validation=True, response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR
    )

    @app.exception_handler(SessionError)
    def _session_error(error: SessionError) -> Response[str]:
        status, headers, body = problem_for(error, request_id(app.current_event.raw_event))
        if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.warning("Dependency unavailable", exc_info=error)
        return Response(status, headers["Content-Type"], body, headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[str]:
        errors = field_errors(list(error.errors()))
        return _problem(app, HTTPStatus.BAD_REQUEST, "Request failed validation", errors)

    @app.not_found
    def _unmatched(_: NotFoundError) -> Response[str]:
        # API Gateway calls a function only for its own route, so a path Powertools cannot match
        # holds a path parameter with characters its route pattern leaves out (/sessions/%E2%82%AC).
        names = (app.current_event.raw_event.get("pathParameters") or {}).keys()
        if not names:
            return _problem(app, HTTPStatus.NOT_FOUND, "No route matches this path")
        errors = [FieldError(name, "Contains characters no valid value has") for name in names]
        return _problem(app, HTTPStatus.BAD_REQUEST, "Request failed validation", errors)

    @app.exception_handler([ResponseValidationError, Exception])
    def _unexpected(error: Exception) -> Response[str]:
        # The client learns nothing about internals; the log has everything, by requestId.
        logger.exception("Unhandled error", exc_info=error)
        return _problem(app, HTTPStatus.INTERNAL_SERVER_ERROR, "An unexpected error occurred")

    return app


def _problem(
    app: APIGatewayRestResolver,
    status: HTTPStatus,
    detail: str,
    errors: list[FieldError] | None = None,
) -> Response[str]:
    headers, body = problem(status, detail, request_id(app.current_event.raw_event), errors)
    return Response(status, headers["Content-Type"], body, headers)


def request_id(event: Event) -> str:
    return str((event.get("requestContext") or {}).get("requestId") or "unknown")


def caller(app: APIGatewayRestResolver) -> str:
    """The owner of everything this request touches: the token's ``sub``, never the client's."""
    claims = app.current_event.request_context.authorizer.claims or {}
    return str(claims["sub"])


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header demands; None for no header or ``*`` (any version)."""
    if if_match is None:
        return None
    match = _IF_MATCH.fullmatch(if_match)
    if not match:
        raise InvalidRequest(
            "The If-Match header is not valid",
            [FieldError("If-Match", 'Send the ETag you received, such as "3", or *')],
        )
    return None if match.group(1) else int(match.group(2))


def session_response(session: Session, status: HTTPStatus = HTTPStatus.OK) -> Response[str]:
    headers = {"ETag": f'"{session.version}"'}
    if status == HTTPStatus.CREATED:
        headers["Location"] = f"/sessions/{session.id}"
    return Response(status, JSON, session.model_dump_json(), headers)


def _owner_claim(event: Event) -> str | None:
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) and sub else None


def _checked_body(event: Event) -> str | None:
    """The body as JSON text, or InvalidRequest saying plainly what is wrong with it."""
    raw = event.get("body")
    if raw is None or raw == "":
        return None
    try:
        data = (
            base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode()
        )
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise InvalidRequest("The request body could not be decoded") from None
    if len(data) > MAX_BODY_BYTES:
        raise InvalidRequest(f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("The request body is not valid UTF-8") from None
    try:
        parsed = json.loads(text)
    except ValueError:
        raise InvalidRequest("The request body is not valid JSON") from None
    except RecursionError:
        # 16 KiB of "[" is deeper than the parser goes: a 400 too, not an unhandled error.
        raise InvalidRequest("The request body is nested too deeply") from None
    if not isinstance(parsed, dict):
        raise InvalidRequest("The request body must be a JSON object")
    return text


def _guard(event: Event, reads_body: bool) -> Event:
    """Authentication first (401), then the raw body (400), as the contract orders them."""
    if _owner_claim(event) is None:
        raise NotAuthenticated("Sign in: this request carries no verified identity")
    if not reads_body:
        return event
    body = _checked_body(event)
    if body is None:
        raise InvalidRequest("A JSON object body is required")
    # The body is always read as JSON, whatever Content-Type the client sent.
    headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
    return {
        **event,
        "body": body,
        "isBase64Encoded": False,
        "headers": {**headers, "Content-Type": JSON},
    }


def _with_common_headers(response: dict[str, Any], event: Event) -> dict[str, Any]:
    headers = dict(response.get("headers") or {})
    headers["X-Request-Id"] = request_id(event)
    headers["Access-Control-Allow-Origin"] = os.environ.get("ALLOWED_ORIGIN", "*")
    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if headers["Access-Control-Allow-Origin"] != "*":
        headers["Vary"] = "Origin"
    return {**response, "headers": headers}


def lambda_entry(app: APIGatewayRestResolver, reads_body: bool = False) -> Handler:
    """The Lambda handler for a function whose one route is registered on ``app``."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics(capture_cold_start_metric=True)
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: Event, context: LambdaContext) -> dict[str, Any]:
        try:
            checked = _guard(event, reads_body)
        except SessionError as error:
            status, headers, body = problem_for(error, request_id(event))
            response = {"statusCode": status.value, "headers": headers, "body": body}
            return _with_common_headers(response, event)
        return _with_common_headers(app.resolve(checked, context), event)

    return handler  # type: ignore[no-any-return]
