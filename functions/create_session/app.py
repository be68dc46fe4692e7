"""POST /sessions: create a session for the caller (idempotent with Idempotency-Key)."""

from dataclasses import dataclass
from http import HTTPStatus

from aws_lambda_powertools.metrics import MetricUnit
from session_actions.domain.actions import create_session
from session_actions.domain.idempotency import KEY_HEADER, KEY_REGEX, create_session_idempotently
from session_actions.domain.models import SessionCreate
from session_actions.http import api_docs
from session_actions.http.lambda_api import Request, Response, lambda_handler, session_response
from session_actions.http.routes import WRITE_SCOPES, Parameter, Route
from session_actions.observability import metrics
from session_actions.storage.repository import SessionRepository


@dataclass(frozen=True)
class CreateParams:
    idempotency_key: str | None


route = Route(
    "POST",
    "/sessions",
    api_docs.operation(
        api_docs.CREATE,
        "Create a session",
        "Creates a session owned by the caller. Send Idempotency-Key to make retries safe.",
        {201: api_docs.created()},
        errors=(400, 401, 409, 422, 500, 503),
    ),
    params=CreateParams,
    scopes=WRITE_SCOPES,
    parameters=(
        Parameter(
            KEY_HEADER,
            "header",
            {"type": "string", "pattern": KEY_REGEX},
            api_docs.IDEMPOTENCY_KEY,
            "Must be 1 to 255 printable ASCII characters",
        ),
    ),
    body=SessionCreate,
)


def create(request: Request[CreateParams]) -> Response:
    repository = SessionRepository.from_environment()
    key = request.params.idempotency_key
    if key is None:
        session = create_session(repository, request.owner, request.body)
    else:
        session = create_session_idempotently(
            repository, request.owner, request.body, key, request.context
        )
    metrics.add_metric(name="SessionCreated", unit=MetricUnit.Count, value=1)
    return session_response(session, HTTPStatus.CREATED)


handler = lambda_handler(route, create)
