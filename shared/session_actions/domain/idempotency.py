"""Idempotent create: the same Idempotency-Key and body from the same caller creates once.

Built on Powertools' idempotency utility, with its own table and a 24-hour expiry. The key
the utility stores is made of the caller's ``sub`` and the header value, so one caller's key
can never replay another caller's response.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from session_actions.domain.actions import create_session
from session_actions.domain.errors import (
    FieldError,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    InvalidRequest,
    StoreUnavailable,
)
from session_actions.domain.models import SessionCreate
from session_actions.domain.views import SessionView
from session_actions.observability import logger
from session_actions.settings import settings
from session_actions.storage.repository import SessionRepository, dynamodb_client, is_unavailable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

KEY_HEADER = "Idempotency-Key"
KEY_TTL_SECONDS = 24 * 60 * 60
KEY_REGEX = r"^[\x20-\x7e]{1,255}$"
_PRINTABLE_KEY = re.compile(KEY_REGEX)

CreateFunction = Callable[..., dict[str, Any]]


def check_key(key: str) -> str:
    if not _PRINTABLE_KEY.fullmatch(key):
        raise InvalidRequest(
            "The Idempotency-Key header is not valid",
            [FieldError(KEY_HEADER, "Must be 1 to 255 printable ASCII characters")],
        )
    return key


@functools.cache
def _idempotent_create() -> tuple[CreateFunction, Any]:
    # Imported here: only a create that carries the header pays for the utility.
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[owner, key]",
        payload_validation_jmespath="body",
        expires_after_seconds=KEY_TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    persistence = DynamoDBPersistenceLayer(
        table_name=settings().require("idempotency_table"), boto3_client=dynamodb_client()
    )

    @idempotent_function(
        data_keyword_argument="request", persistence_store=persistence, config=config
    )
    def create_once(
        request: dict[str, Any], repository: SessionRepository, made: list[dict[str, Any]]
    ) -> dict[str, Any]:
        body = SessionCreate.model_validate(request["body"])
        made.append(dict(create_session(repository, request["owner"], body)))
        return made[-1]

    return create_once, config


def create_session_idempotently(
    repository: SessionRepository,
    owner: str,
    body: SessionCreate,
    key: str,
    context: LambdaContext,
) -> SessionView:
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    create_once, config = _idempotent_create()
    config.register_lambda_context(context)
    request = {"owner": owner, "key": check_key(key), "body": body.model_dump()}
    made: list[dict[str, Any]] = []  # the session this call created, if it ran the create
    try:
        created = create_once(request=request, repository=repository, made=made)
    except IdempotencyAlreadyInProgressError:
        raise IdempotencyInFlight(
            "A request with this Idempotency-Key is still in progress; retry shortly"
        ) from None
    except IdempotencyValidationError:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request body"
        ) from None
    except IdempotencyPersistenceLayerError as error:
        if made:
            # The session is stored; only saving the response for replays failed. Answering
            # 503 would leave it behind and invite a retry that creates a second one.
            logger.warning("Created, but the idempotency record was not completed", exc_info=error)
            return cast(SessionView, made[-1])
        # Only throttling or no connection is worth a retry; a missing table or a denied call
        # is a fault of the deployment (500), which the unexpected-error handler logs.
        if not is_unavailable(error.__cause__):
            raise
        raise StoreUnavailable("The database could not record the request; try again") from error
    return cast(SessionView, created)
