"""GET /sessions/{id}: one of the caller's sessions."""

from session_actions import api_docs
from session_actions.actions import get_session
from session_actions.lambda_api import (
    SESSION_ID,
    Request,
    Response,
    lambda_handler,
    session_response,
)
from session_actions.repository import SessionRepository
from session_actions.routes import Route

route = Route(
    "GET",
    "/sessions/{id}",
    api_docs.operation(
        api_docs.GET,
        "Get a session",
        "One of the caller's sessions. Another user's session is a 403.",
        {200: api_docs.session("The session.")},
        errors=(400, 401, 403, 404, 500, 503),
    ),
    parameters=(SESSION_ID,),
)


def get(request: Request) -> Response:
    repository = SessionRepository.from_environment()
    return session_response(get_session(repository, request.owner, request.values["id"]))


handler = lambda_handler(route, get)
