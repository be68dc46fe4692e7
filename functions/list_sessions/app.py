"""GET /sessions: one page of the caller's sessions, newest first."""

from session_actions import api_docs
from session_actions.actions import list_sessions
from session_actions.lambda_api import Request, Response, json_response, lambda_handler
from session_actions.repository import SessionRepository
from session_actions.routes import Parameter, Route
from session_actions.views import STATUSES

route = Route(
    "GET",
    "/sessions",
    api_docs.operation(
        api_docs.LIST,
        "List the caller's sessions",
        "The caller's sessions only, newest first, one page at a time. With status, "
        "only the sessions in that status.",
        {200: api_docs.page()},
        errors=(400, 401, 500, 503),
    ),
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
            "nextCursor of the previous page, unchanged, with the same status. "
            "Any other value is a 400.",
            "Pass back nextCursor unchanged, with the same status filter",
        ),
        Parameter(
            "status",
            "query",
            {"type": "string", "enum": list(STATUSES)},
            "Only sessions in this status.",
            "Must be one of " + ", ".join(STATUSES),
        ),
    ),
)


def list_page(request: Request) -> Response:
    values = request.values
    page = list_sessions(
        SessionRepository.from_environment(),
        request.owner,
        values["limit"],
        values["cursor"],
        values["status"],
    )
    return json_response(page)


handler = lambda_handler(route, list_page)
