"""What the fuzzer needs to know beyond the document.

1. A schema-valid request refused with 400 must be refused for a rule JSON Schema cannot
   express; each of these 400s names its field:

   * ``endsAt`` earlier than ``startsAt``, in the body or against the stored session;
   * tags that are unique as sent but collide once trimmed;
   * a date-time whose UTC moment leaves the years 0001-9999 (9999-12-31T23:00:00-02:00);
   * a ``cursor`` the API did not issue for this caller and query (it is opaque);
   * a window of start times whose ``startsBefore`` is not later than its ``startsFrom``.

   schemathesis.toml lets 400 through the built-in positive-data check; this check takes over.

2. Every valid Idempotency-Key the fuzzer sends is made unique to its request. The generator
   repeats small keys ("0") across unrelated cases, and a repeated key with the same body
   replays the first 201 as the contract says, even when that session was deleted since,
   which the resource-availability check would report. Replays, 409 and 422 are tested on
   purpose elsewhere (tests/resilience/test_races.py and the unit tests).
"""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import schemathesis
from session_actions.domain.idempotency import KEY_REGEX

EXPLAINED = (
    ("endsAt", "endsAt must not be earlier than startsAt"),
    ("startsAt", "endsAt must not be earlier than startsAt"),
    ("tags", "tags must be unique"),
    ("startsAt", "must fall between the years 0001 and 9999 in UTC"),
    ("endsAt", "must fall between the years 0001 and 9999 in UTC"),
    ("startsFrom", "must fall between the years 0001 and 9999 in UTC"),
    ("startsBefore", "must fall between the years 0001 and 9999 in UTC"),
    ("cursor", "Pass back nextCursor unchanged, with the same status, startsFrom and startsBefore"),
    ("startsBefore", "Must be later than startsFrom"),
)
_VALID_KEY = re.compile(KEY_REGEX)
_RUN = uuid.uuid4().hex[:12]
_SERIAL = itertools.count()


def _explained(error: Any) -> bool:
    if not isinstance(error, dict):
        return False
    return any(
        error.get("field") == field and message in str(error.get("message"))
        for field, message in EXPLAINED
    )


def _all_positive(case: schemathesis.Case[Any]) -> bool:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return False
    # A case labelled positive can still carry a negative component (a header the coverage
    # phase could not draw from its pattern).
    return all(component.mode.is_positive for component in meta.components.values())


@schemathesis.check
def schema_valid_400s_are_explained(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> bool | None:
    if response.status_code != 400 or not _all_positive(case):
        return None
    problem = response.json()
    errors = problem.get("errors") if isinstance(problem, dict) else None
    if not errors or not all(_explained(error) for error in errors):
        raise AssertionError(f"A schema-valid request was refused for no stated reason: {problem}")
    return None


@schemathesis.hook
def before_call(ctx: schemathesis.HookContext, case: schemathesis.Case[Any], **kwargs: Any) -> None:
    if case.headers is None:
        return
    key = case.headers.get("Idempotency-Key")
    if isinstance(key, str) and _VALID_KEY.fullmatch(key):
        case.headers["Idempotency-Key"] = f"{key[:200]}~{_RUN}-{next(_SERIAL)}"
