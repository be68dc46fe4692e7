"""PUT /sessions/{id}: change some fields of one of the caller's sessions."""

from aws_lambda_powertools.metrics import MetricUnit
from session_actions.domain.actions import update_session
from session_actions.domain.models import SessionUpdate
from session_actions.http import api_docs
from session_actions.http.lambda_api import (
    IF_MATCH,
    SESSION_ID,
    Request,
    Response,
    SessionWrite,
    lambda_handler,
    session_response,
)
from session_actions.http.routes import WRITE_SCOPES, Route
from session_actions.observability import metrics
from session_actions.storage.repository import SessionRepository

route = Route(
    "PUT",
    "/sessions/{id}",
    api_docs.operation(
        api_docs.UPDATE,
        "Update a session",
        "Changes the fields sent and keeps the others; null clears a nullable field. "
        "The version goes up by one.",
        {200: api_docs.session("The updated session.")},
        errors=(400, 401, 403, 404, 412, 500, 503),
    ),
    params=SessionWrite,
    scopes=WRITE_SCOPES,
    parameters=(SESSION_ID, IF_MATCH),
    body=SessionUpdate,
)


def update(request: Request[SessionWrite]) -> Response:
    session = update_session(
        SessionRepository.from_environment(),
        request.owner,
        request.params.id,
        request.body,
        request.params.if_match,
    )
    metrics.add_metric(name="SessionUpdated", unit=MetricUnit.Count, value=1)
    return session_response(session)


handler = lambda_handler(route, update)
