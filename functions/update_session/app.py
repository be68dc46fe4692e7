"""PUT /sessions/{id}: change some fields of one of the caller's sessions."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.metrics import MetricUnit
from session_actions.actions import update_session
from session_actions.ids import ULID_REGEX
from session_actions.lambda_api import (
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


@app.put("/sessions/<id>")
def update(
    id: Annotated[str, Path(pattern=ULID_REGEX)],
    body: Annotated[SessionUpdate, Body()],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[str]:
    version = expected_version(if_match)
    session = update_session(SessionRepository.from_environment(), caller(app), id, body, version)
    metrics.add_metric(name="SessionUpdated", unit=MetricUnit.Count, value=1)
    return session_response(session)


handler = lambda_entry(app, reads_body=True)
