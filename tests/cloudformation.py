"""template.yaml as data, for tests, read by the local API's own loader (sessions_local.cfn_yaml).

Short tags come back in the template's JSON form: ``!Ref X`` as ``{"Ref": "X"}``, ``!GetAtt A.B``
as ``{"Fn::GetAtt": ["A", "B"]}`` and every other ``!Tag`` as ``{"Fn::Tag": value}``. The
template checks that must not depend on that loader run the template through AWS SAM's own
translator instead (tests/test_template.py).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from sessions_local.stack import Stack, read_stack, translate

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


@cache
def template() -> dict[str, Any]:
    """The project's template.yaml, parsed once per test run (treat it as read-only)."""
    expanded: dict[str, Any] = translate(TEMPLATE)["expanded"]
    return expanded


def resources(of_type: str | None = None) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template()["Resources"]
    return {
        logical_id: resource
        for logical_id, resource in found.items()
        if of_type is None or resource["Type"] == of_type
    }


@cache
def local_template() -> Stack:
    """The same template as the local API reads it: functions, routes, tables, environment."""
    return read_stack(TEMPLATE)
