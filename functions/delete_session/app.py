"""DELETE /sessions/{id}: delete one of the caller's sessions."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit
from session_actions import api_docs
from session_actions.actions import delete_session
from session_actions.lambda_api import (
    IfMatchHeader,
    SessionIdPath,
    build_resolver,
    caller,
    expected_version,
    lambda_entry,
)
from session_actions.observability import metrics
from session_actions.repository import SessionRepository

app = build_resolver()


@app.delete(
    "/sessions/<id>",
    **api_docs.operation(
        api_docs.DELETE,
        "Delete a session",
        "Deletes one of the caller's sessions.",
        {204: api_docs.deleted()},
        errors=(400, 401, 403, 404, 412, 500, 503),
    ),
)
def delete(
    id: SessionIdPath,
    if_match: IfMatchHeader = None,
) -> Response[None]:
    version = expected_version(if_match)
    delete_session(SessionRepository.from_environment(), caller(app), id, version)
    metrics.add_metric(name="SessionDeleted", unit=MetricUnit.Count, value=1)
    return Response(204, None, None)


handler = lambda_entry(app)
