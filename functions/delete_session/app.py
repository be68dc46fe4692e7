"""DELETE /sessions/{id}: delete one of the caller's sessions."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.metrics import MetricUnit
from session_actions.actions import delete_session
from session_actions.ids import ULID_REGEX
from session_actions.lambda_api import build_resolver, caller, expected_version, lambda_entry
from session_actions.observability import metrics
from session_actions.repository import SessionRepository

app = build_resolver()


@app.delete("/sessions/<id>")
def delete(
    id: Annotated[str, Path(pattern=ULID_REGEX)],
    if_match: Annotated[str | None, Header(alias="If-Match")] = None,
) -> Response[None]:
    version = expected_version(if_match)
    delete_session(SessionRepository.from_environment(), caller(app), id, version)
    metrics.add_metric(name="SessionDeleted", unit=MetricUnit.Count, value=1)
    return Response(204, None, None)


handler = lambda_entry(app)
