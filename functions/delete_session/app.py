"""DELETE /sessions/{id}: delete one of the caller's sessions."""

from http import HTTPStatus

from aws_lambda_powertools.metrics import MetricUnit
from session_actions.domain.actions import delete_session
from session_actions.http import api_docs
from session_actions.http.lambda_api import (
    IF_MATCH,
    SESSION_ID,
    Request,
    Response,
    SessionWrite,
    lambda_handler,
)
from session_actions.http.routes import WRITE_SCOPES, Route
from session_actions.observability import metrics
from session_actions.storage.repository import SessionRepository

route = Route(
    "DELETE",
    "/sessions/{id}",
    api_docs.operation(
        api_docs.DELETE,
        "Delete a session",
        "Deletes one of the caller's sessions.",
        {204: api_docs.deleted()},
        errors=(400, 401, 403, 404, 412, 500, 503),
    ),
    params=SessionWrite,
    scopes=WRITE_SCOPES,
    parameters=(SESSION_ID, IF_MATCH),
)


def delete(request: Request[SessionWrite]) -> Response:
    repository = SessionRepository.from_environment()
    delete_session(repository, request.owner, request.params.id, request.params.if_match)
    metrics.add_metric(name="SessionDeleted", unit=MetricUnit.Count, value=1)
    return Response(HTTPStatus.NO_CONTENT)


handler = lambda_handler(route, delete)
