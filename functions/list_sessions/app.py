"""GET /sessions: one page of the caller's sessions, newest first or by start time."""

from dataclasses import dataclass

from session_actions.domain.actions import list_sessions
from session_actions.domain.queries import ListQuery
from session_actions.domain.timestamps import TIMESTAMP_REGEX, normalise_timestamp
from session_actions.domain.views import STATUSES
from session_actions.http import api_docs
from session_actions.http.lambda_api import Request, Response, json_response, lambda_handler
from session_actions.http.routes import READ_SCOPES, Parameter, Route
from session_actions.storage.repository import SessionRepository


def _start_bound(name: str, description: str) -> Parameter:
    return Parameter(
        name,
        "query",
        {"type": "string", "format": "date-time", "pattern": TIMESTAMP_REGEX},
        description,
        "Must be an RFC 3339 date-time with an offset, such as 2030-01-31T09:00:00Z",
        convert=normalise_timestamp,
    )


@dataclass(frozen=True)
class ListParams:
    limit: int
    cursor: str | None
    status: str | None
    starts_from: str | None
    starts_before: str | None


route = Route(
    "GET",
    "/sessions",
    api_docs.operation(
        api_docs.LIST,
        "List the caller's sessions",
        "The caller's sessions only, one page at a time, newest first. With startsFrom or "
        "startsBefore, only sessions whose startsAt lies in [startsFrom, startsBefore), "
        "earliest first (equal starts by id); sessions without a startsAt are left out. With "
        "status, only the sessions in that status.",
        {200: api_docs.page()},
        errors=(400, 401, 500, 503),
    ),
    params=ListParams,
    scopes=READ_SCOPES,
    parameters=(
        Parameter(
            "limit",
            "query",
            {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "Page size.",
            "Must be a whole number from 1 to 100",
        ),
        Parameter(
            "cursor",
            "query",
            {"type": "string", "minLength": 1, "maxLength": 1024},
            "nextCursor of the previous page, unchanged, with the same status, startsFrom and "
            "startsBefore. Any other value is a 400.",
            "Pass back nextCursor unchanged, with the same status, startsFrom and startsBefore",
        ),
        Parameter(
            "status",
            "query",
            {"type": "string", "enum": list(STATUSES)},
            "Only sessions in this status.",
            "Must be one of " + ", ".join(STATUSES),
        ),
        _start_bound("startsFrom", "Only sessions starting at or after this moment."),
        _start_bound(
            "startsBefore",
            "Only sessions starting before this moment; later than startsFrom when both are given.",
        ),
    ),
)


def list_page(request: Request[ListParams]) -> Response:
    params = request.params
    query = ListQuery(params.status, params.starts_from, params.starts_before)
    repository = SessionRepository.from_environment()
    page = list_sessions(repository, request.owner, params.limit, params.cursor, query)
    return json_response(page)


handler = lambda_handler(route, list_page)
