"""GET /sessions/{id}: one of the caller's sessions; 304 when If-None-Match names its version."""

from http import HTTPStatus

from session_actions.domain.actions import get_session
from session_actions.http import api_docs
from session_actions.http.lambda_api import (
    IF_NONE_MATCH,
    SESSION_ID,
    Request,
    Response,
    SessionRead,
    etag,
    lambda_handler,
    matches_any,
    session_response,
)
from session_actions.http.routes import READ_SCOPES, Route
from session_actions.storage.repository import SessionRepository

route = Route(
    "GET",
    "/sessions/{id}",
    api_docs.operation(
        api_docs.GET,
        "Get a session",
        "One of the caller's sessions. Another user's session is a 403. With If-None-Match, "
        "a session still at a version it names is a 304 with no body.",
        {200: api_docs.session("The session."), 304: api_docs.not_modified()},
        errors=(400, 401, 403, 404, 500, 503),
    ),
    params=SessionRead,
    scopes=READ_SCOPES,
    parameters=(SESSION_ID, IF_NONE_MATCH),
)


def get(request: Request[SessionRead]) -> Response:
    repository = SessionRepository.from_environment()
    # Existence and ownership (404, 403) are settled before the precondition.
    session = get_session(repository, request.owner, request.params.id)
    if_none_match = request.params.if_none_match
    if if_none_match is not None and matches_any(if_none_match, session["version"]):
        return Response(HTTPStatus.NOT_MODIFIED, None, {"ETag": etag(session)})
    return session_response(session)


handler = lambda_handler(route, get)
