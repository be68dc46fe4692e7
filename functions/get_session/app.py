"""GET /sessions/{id}: one of the caller's sessions."""

from aws_lambda_powertools.event_handler import Response
from session_actions import api_docs
from session_actions.actions import get_session
from session_actions.lambda_api import (
    SessionIdPath,
    build_resolver,
    caller,
    lambda_entry,
    session_response,
)
from session_actions.repository import SessionRepository

app = build_resolver()


@app.get(
    "/sessions/<id>",
    **api_docs.operation(
        api_docs.GET,
        "Get a session",
        "One of the caller's sessions. Another user's session is a 403.",
        {200: api_docs.session("The session.")},
        errors=(400, 401, 403, 404, 500, 503),
    ),
)
def get(
    id: SessionIdPath,
) -> Response[str]:
    return session_response(get_session(SessionRepository.from_environment(), caller(app), id))


handler = lambda_entry(app)
