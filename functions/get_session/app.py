"""GET /sessions/{id}: one of the caller's sessions."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from session_actions.actions import get_session
from session_actions.ids import ULID_REGEX
from session_actions.lambda_api import build_resolver, caller, lambda_entry, session_response
from session_actions.repository import SessionRepository

app = build_resolver()


@app.get("/sessions/<id>")
def get(id: Annotated[str, Path(pattern=ULID_REGEX)]) -> Response[str]:
    return session_response(get_session(SessionRepository.from_environment(), caller(app), id))


handler = lambda_entry(app)
