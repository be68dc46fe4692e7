"""What a function costs and returns without the models: its imports, and its Session shape.

The read routes (GET, GET list, DELETE) take no body, so they must start without pydantic and
without any web framework: each is checked in a fresh interpreter, as a cold start imports it.
Their responses are built as plain dicts (``views``), which must be exactly what the published
``Session`` model says.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st
from session_actions.domain.ids import new_ulid
from session_actions.domain.views import STATUSES, session_view
from session_actions.http.response_models import Session

from tests.cloudformation import ROOT

HEAVY = ("pydantic", "pydantic_core", "aws_lambda_powertools.event_handler")
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import app
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core")
    or m.startswith("aws_lambda_powertools.event_handler"))))
"""


def loaded_heavy_modules(function: str) -> list[str]:
    folder = ROOT / "functions" / function
    result = subprocess.run(  # noqa: S603 - this interpreter, the project's own code
        [sys.executable, "-c", PROBE, str(folder)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize("function", ["get_session", "list_sessions", "delete_session"])
def test_a_function_without_a_body_imports_no_models_and_no_framework(function: str) -> None:
    assert loaded_heavy_modules(function) == []


@pytest.mark.parametrize("function", ["create_session", "update_session"])
def test_a_function_with_a_body_validates_it_with_the_models(function: str) -> None:
    loaded = loaded_heavy_modules(function)
    assert "pydantic" in loaded
    assert not [m for m in loaded if m.startswith("aws_lambda_powertools.event_handler")]


def test_the_view_has_the_fields_of_the_published_session_in_its_order() -> None:
    item = {
        "owner": "someone",
        "id": new_ulid(),
        "title": "T",
        "status": "scheduled",
        "createdAt": "2030-01-01T00:00:00.000Z",
        "updatedAt": "2030-01-01T00:00:00.000Z",
        "version": 1,
        "ownerStatus": "someone#scheduled",
    }
    assert list(session_view(item)) == list(Session.model_fields)


stamps = st.sampled_from(["2030-01-31T08:00:00.000Z", "0001-01-01T00:00:00.000Z", None])


@given(
    title=st.text(min_size=1, max_size=200).filter(str.strip),
    description=st.one_of(st.none(), st.text(max_size=50)),
    status=st.sampled_from(STATUSES),
    starts_at=stamps,
    ends_at=stamps,
    tags=st.lists(st.text(min_size=1, max_size=40), max_size=20, unique=True),
    version=st.integers(min_value=1, max_value=10**9),
)
def test_every_stored_session_is_returned_as_a_valid_published_session(
    title: str,
    description: str | None,
    status: str,
    starts_at: str | None,
    ends_at: str | None,
    tags: list[str],
    version: int,
) -> None:
    stored = {
        "owner": "someone",
        "id": new_ulid(),
        "title": title,
        "description": description,
        "status": status,
        "startsAt": starts_at,
        "endsAt": ends_at,
        "tags": tags,
        "createdAt": "2030-01-01T00:00:00.000Z",
        "updatedAt": "2030-01-02T00:00:00.000Z",
        "version": version,
    }
    # DynamoDB leaves out what was never set; the view puts it back as null or [].
    item = {name: value for name, value in stored.items() if value not in (None, [])}
    view = session_view(item)
    assert Session.model_validate(view).model_dump() == {
        k: v for k, v in stored.items() if k != "owner"
    }
