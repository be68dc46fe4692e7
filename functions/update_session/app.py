"""PUT /sessions/{id}: change some fields of one of the caller's sessions."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from session_actions import api_docs
from session_actions.actions import update_session
from session_actions.lambda_api import (
    IfMatchHeader,
    SessionIdPath,
    build_resolver,
    caller,
    expected_version,
    lambda_entry,
    session_response,
)
from session_actions.models import SessionUpdate
from session_actions.observability import metrics
from session_actions.repository import SessionRepository

app = build_resolver()


@app.put(
    "/sessions/<id>",
    **api_docs.operation(
        api_docs.UPDATE,
        "Update a session",
        "Changes the fields sent and keeps the others; null clears a nullable field. "
        "The version goes up by one.",
        {200: api_docs.session("The updated session.")},
        errors=(400, 401, 403, 404, 412, 500, 503),
    ),
)
def update(
    id: SessionIdPath,
    body: Annotated[SessionUpdate, Body()],
    if_match: IfMatchHeader = None,
) -> Response[str]:
    version = expected_version(if_match)
    session = update_session(SessionRepository.from_environment(), caller(app), id, body, version)
    metrics.add_metric(name="SessionUpdated", unit=MetricUnit.Count, value=1)
    return session_response(session)


handler = lambda_entry(app, reads_body=True)
