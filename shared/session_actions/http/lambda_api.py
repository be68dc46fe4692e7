"""From an API Gateway event to an action and back: what every function shares.

``lambda_handler(route, endpoint)`` is a function's Lambda handler. It checks the caller (401
without an access token carrying one of the route's scopes), then the raw body and everything
the route declares (400, every invalid field at once), hands the endpoint a ``Request``, and
turns what comes back, or the error raised, into a REST proxy response with the headers every
response carries.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths

from session_actions.domain.errors import (
    InvalidRequest,
    NotAuthenticated,
    SessionError,
    StoreUnavailable,
)
from session_actions.domain.ids import ULID_REGEX
from session_actions.domain.views import SessionView, to_json
from session_actions.http import api_docs
from session_actions.http.envelope import REQUEST_ID_HEADER, cors_headers
from session_actions.http.problems import problem, problem_for
from session_actions.http.routes import Parameter, Route
from session_actions.observability import count_store_unavailable, logger, metrics, tracer
from session_actions.settings import settings

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from aws_lambda_powertools.utilities.typing import LambdaContext

MAX_BODY_BYTES = 16 * 1024
JSON = "application/json"
# One strong ETag ("3") or *, with the optional whitespace HTTP allows around a value.
IF_MATCH_REGEX = r'^[ \t]*(?:(\*)|"([0-9]{1,15})")[ \t]*$'
# `*`, or a comma-separated list of entity tags, weak (W/"3") or strong ("3"), as RFC 9110
# spells them; a tag we never issued is well-formed, it just never matches.
_ENTITY_TAG = r'(?:W/)?"[\x21\x23-\x7e]{0,64}"'
IF_NONE_MATCH_REGEX = rf"^[ \t]*(?:\*|{_ENTITY_TAG}(?:[ \t]*,[ \t]*{_ENTITY_TAG})*)[ \t]*$"
_TAG_VALUE = re.compile(r'(?:W/)?"([^"]*)"')

# Parameters that several routes take.
SESSION_ID = Parameter(
    "id",
    "path",
    {"type": "string", "pattern": ULID_REGEX},
    api_docs.SESSION_ID,
    "Must be a ULID: 26 upper-case Crockford base32 characters",
    required=True,
)


def _expected_version(if_match: str) -> int | None:
    """The version an If-Match that matched IF_MATCH_REGEX demands; None for ``*`` (any)."""
    tag = if_match.strip(" \t")
    return None if tag == "*" else int(tag.strip('"'))


IF_MATCH = Parameter(
    "If-Match",
    "header",
    {"type": "string", "pattern": IF_MATCH_REGEX},
    api_docs.IF_MATCH,
    'Send the ETag you received, such as "3", or *',
    convert=_expected_version,
)
IF_NONE_MATCH = Parameter(
    "If-None-Match",
    "header",
    {"type": "string", "pattern": IF_NONE_MATCH_REGEX},
    api_docs.IF_NONE_MATCH,
    'Send ETags you received, such as "3" or W/"3", separated by commas, or *',
)


@dataclass(frozen=True)
class SessionRead:
    """GET /sessions/{id}: the session and, maybe, the versions the client has."""

    id: str
    if_none_match: str | None


@dataclass(frozen=True)
class SessionWrite:
    """A change to one session (PUT, DELETE): the session and the version If-Match demands
    (None: any version)."""

    id: str
    if_match: int | None


Event = dict[str, Any]
Handler = Callable[[Event, "LambdaContext"], dict[str, Any]]


@dataclass(frozen=True)
class Request[Params]:
    """A request that passed every check: the caller, the route's parameters and the body."""

    owner: str  # the token's sub, never anything the client sent
    params: Params
    body: Any
    context: LambdaContext


@dataclass(frozen=True)
class Response:
    status: int
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def request_id(event: Event) -> str:
    return str((event.get("requestContext") or {}).get("requestId") or "unknown")


def matches_any(if_none_match: str, version: int) -> bool:
    """Whether If-None-Match names this version, compared weakly (W/"3" matches "3")."""
    if if_none_match.strip() == "*":
        return True
    return str(version) in _TAG_VALUE.findall(if_none_match)


def json_response(value: Any, status: HTTPStatus = HTTPStatus.OK) -> Response:
    return Response(status, to_json(value), {"Content-Type": JSON})


def etag(session: SessionView) -> str:
    """The session's version as its strong entity tag: ``"3"``."""
    return f'"{int(session["version"])}"'


def session_response(session: SessionView, status: HTTPStatus = HTTPStatus.OK) -> Response:
    response = json_response(session, status)
    response.headers["ETag"] = etag(session)
    if status == HTTPStatus.CREATED:
        response.headers["Location"] = f"/sessions/{session['id']}"
    return response


def _owner(event: Event, scopes: tuple[str, ...]) -> str:
    """The caller's ``sub``, from an access token that carries one of ``scopes``.

    API Gateway's authorizer checks the token and the scopes before the function runs; this is
    the check again, so a misconfigured route never serves the wrong token. No detail repeats a
    claim's value: the client knows its token, the log should not.
    """
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims")
    if not isinstance(claims, dict):
        claims = {}
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise NotAuthenticated("Sign in: this request carries no verified identity")
    use = claims.get("token_use")
    if use != "access":
        raise NotAuthenticated(
            "Send an access token (token_use access) in Authorization"
            + (", not an ID token" if use == "id" else "")
        )
    granted = claims.get("scope")
    if not isinstance(granted, str) or not set(granted.split()).intersection(scopes):
        raise NotAuthenticated(
            "This route needs an access token with one of the scopes: " + ", ".join(scopes)
        )
    return sub


def _parsed_body(event: Event) -> dict[str, Any]:
    """The body as a JSON object, or InvalidRequest saying plainly what is wrong with it.

    The body is always read as JSON, whatever Content-Type the client sent.
    """
    raw = event.get("body")
    if raw is None or raw == "":
        raise InvalidRequest("A JSON object body is required")
    try:
        data = (
            base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode()
        )
    except (binascii.Error, ValueError, UnicodeEncodeError, AttributeError):
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
    return parsed


def _request[Params: DataclassInstance](
    route: Route[Params], event: Event, context: LambdaContext
) -> Request[Params]:
    """Authentication first (401), then the request itself (400), as the contract orders them."""
    owner = _owner(event, route.scopes)
    body = _parsed_body(event) if route.body is not None else None
    params, model = route.read(event, body)
    return Request(owner, params, model, context)


def _error_response(error: SessionError, event: Event) -> Response:
    if isinstance(error, StoreUnavailable):
        count_store_unavailable()  # the StoreUnavailable alarm's metric
    status, headers, body = problem_for(error, request_id(event))
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.warning("Dependency unavailable", exc_info=error)
    return Response(status, body, headers)


def _unexpected_response(event: Event) -> Response:
    # The client learns nothing about internals; the log has everything, by requestId.
    logger.exception("Unhandled error")
    status = HTTPStatus.INTERNAL_SERVER_ERROR
    headers, body = problem(status, "An unexpected error occurred", request_id(event))
    return Response(status, body, headers)


def _proxy(response: Response, event: Event) -> dict[str, Any]:
    """The proxy response, with the headers every response carries, errors included."""
    headers = dict(response.headers)
    headers[REQUEST_ID_HEADER] = request_id(event)
    headers.update(cors_headers(settings().allowed_origin))
    return {
        "statusCode": int(response.status),
        "headers": headers,
        "body": response.body or "",
        "isBase64Encoded": False,
    }


def lambda_handler[Params: DataclassInstance](
    route: Route[Params], endpoint: Callable[[Request[Params]], Response]
) -> Handler:
    """The Lambda handler of a function that serves ``route`` with ``endpoint``."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics(capture_cold_start_metric=True)
    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: Event, context: LambdaContext) -> dict[str, Any]:
        try:
            response = endpoint(_request(route, event, context))
        except SessionError as error:
            response = _error_response(error, event)
        except Exception:
            response = _unexpected_response(event)
        return _proxy(response, event)

    return handler  # type: ignore[no-any-return]
