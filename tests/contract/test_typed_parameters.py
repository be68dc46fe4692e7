"""An endpoint gets its parameters as a typed object: a misspelt name is caught by mypy strict,
and a parameters class that does not match the route's parameters is refused when declared."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mypy.api
import pytest
from session_actions.http.lambda_api import IF_MATCH, SESSION_ID
from session_actions.http.routes import Route

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = """\
from session_actions.http.lambda_api import Request, Response, SessionWrite


def update(request: Request[SessionWrite]) -> Response:
    version: int | None = request.params.{name}
    return Response(204 if version is None else 412)
"""


def mypy_errors(tmp_path: Path, name: str) -> str:
    module = tmp_path / f"endpoint_{name}.py"
    module.write_text(ENDPOINT.format(name=name))
    config = str(ROOT / "pyproject.toml")
    stdout, _, _ = mypy.api.run(["--config-file", config, str(module)])
    return stdout


def test_mypy_strict_flags_a_misspelt_parameter(tmp_path: Path) -> None:
    assert "Success" in mypy_errors(tmp_path, "if_match")
    errors = mypy_errors(tmp_path, "if_mach")
    assert '"SessionWrite" has no attribute "if_mach"' in errors


def test_a_parameters_class_must_name_exactly_the_routes_parameters() -> None:
    @dataclass(frozen=True)
    class Misspelt:
        id: str
        if_mach: str | None

    with pytest.raises(TypeError, match=r"\['id', 'if_match'\]"):
        Route(
            "PUT", "/things/{id}", {}, params=Misspelt, scopes=(), parameters=(SESSION_ID, IF_MATCH)
        )
