"""GET /sessions: one page of the caller's sessions, newest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from session_actions import api_docs
from session_actions.actions import list_sessions
from session_actions.lambda_api import JSON, build_resolver, caller, lambda_entry
from session_actions.models import Status
from session_actions.repository import SessionRepository

app = build_resolver()


@app.get(
    "/sessions",
    **api_docs.operation(
        api_docs.LIST,
        "List the caller's sessions",
        "The caller's sessions only, newest first, one page at a time. With status, "
        "only the sessions in that status.",
        {200: api_docs.page()},
        errors=(400, 401, 500, 503),
    ),
)
def list_page(
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 20,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=1024,
            description="nextCursor of the previous page, unchanged, with the same status. "
            "Any other value is a 400.",
        ),
    ] = None,
    status: Annotated[Status | None, Query(description="Only sessions in this status.")] = None,
) -> Response[str]:
    page = list_sessions(SessionRepository.from_environment(), caller(app), limit, cursor, status)
    return Response(200, JSON, page.model_dump_json())


handler = lambda_entry(app)
