"""GET /sessions/{id}: one of the caller's sessions."""

from http import HTTPStatus

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
    operation_id=api_docs.GET,
    summary="Get a session",
    description="One of the caller's sessions. Another user's session is a 403.",
    tags=api_docs.TAGS,
    # Powertools documents a route's 500 as its own response-validation error unless told here.
    custom_response_validation_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
    responses=api_docs.responses(
        {200: api_docs.session("The session.")}, 400, 401, 403, 404, 500, 503
    ),
)
def get(
    id: SessionIdPath,
) -> Response[str]:
    return session_response(get_session(SessionRepository.from_environment(), caller(app), id))


handler = lambda_entry(app)
