"""POST /sessions: create a session for the caller (idempotent with Idempotency-Key)."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.metrics import MetricUnit
from session_actions import api_docs
from session_actions.actions import create_session
from session_actions.idempotency import KEY_REGEX, create_session_idempotently
from session_actions.lambda_api import build_resolver, caller, lambda_entry, session_response
from session_actions.models import SessionCreate
from session_actions.observability import metrics
from session_actions.repository import SessionRepository

app = build_resolver()


@app.post(
    "/sessions",
    **api_docs.operation(
        api_docs.CREATE,
        "Create a session",
        "Creates a session owned by the caller. Send Idempotency-Key to make retries safe.",
        {201: api_docs.created()},
        errors=(400, 401, 409, 422, 500, 503),
    ),
)
def create(
    body: Annotated[SessionCreate, Body()],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description=api_docs.IDEMPOTENCY_KEY,
            json_schema_extra={"pattern": KEY_REGEX},
        ),
    ] = None,
) -> Response[str]:
    repository = SessionRepository.from_environment()
    if idempotency_key is None:
        session = create_session(repository, caller(app), body)
    else:
        session = create_session_idempotently(
            repository, caller(app), body, idempotency_key, app.lambda_context
        )
    metrics.add_metric(name="SessionCreated", unit=MetricUnit.Count, value=1)
    return session_response(session, HTTPStatus.CREATED)


handler = lambda_entry(app, reads_body=True)
