"""template.yaml as AWS's own tools read it, for tests.

The template uses AWS::LanguageExtensions (Fn::ForEach), so the checks read it as the SAM CLI
does: infra/sessions_local/stack/sam_translation.py, run once per test run with the SAM CLI's
own Python (.tools/sam, installed by `make check-template`), gives

- ``expanded()``: the SAM template after the SAM CLI's expansion: every loop unrolled, and the
  parameters' defaults, the pseudo parameters (stack ``local``, region ``us-east-1``) and the
  conditions resolved wherever they can be; ``Fn::Sub`` over a resource (``${X.Arn}/index``)
  comes back as the bare string. Globals, Parameters and Mappings are as written.
- ``translated()``: that template after AWS SAM's transform: plain CloudFormation.

Each takes parameter values (``expanded(AllowedOrigin="*")``) to read the template as a stack
with those parameters would: the values become the parameters' defaults before the expansion.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"
SAM_PYTHON = ROOT / ".tools" / "sam" / "bin" / "python"
TRANSLATION = ROOT / "infra" / "sessions_local" / "stack" / "sam_translation.py"

# Runs in the SAM CLI's virtualenv: the template as the SAM CLI parses it, with other defaults.
_WITH_DEFAULTS = """
import json, sys
from samcli.yamlhelper import yaml_parse
template = yaml_parse(open(sys.argv[1], encoding="utf-8").read())
for name, value in json.loads(sys.argv[2]).items():
    template["Parameters"][name]["Default"] = value
json.dump(template, sys.stdout)
"""


def _run(*arguments: str) -> str:
    if not SAM_PYTHON.exists():
        raise AssertionError(f"{SAM_PYTHON} is missing: run `make check-template` first")
    environment = {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "SAM_CLI_TELEMETRY": "0",
    }
    done = subprocess.run(  # noqa: S603
        [str(SAM_PYTHON), *arguments],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@cache
def _sam_view(defaults: tuple[tuple[str, str | int], ...]) -> dict[str, Any]:
    if not defaults:
        output = _run(str(TRANSLATION), "--resolve", str(TEMPLATE))
    else:
        document = _run("-c", _WITH_DEFAULTS, str(TEMPLATE), json.dumps(dict(defaults)))
        with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as copy:
            copy.write(document)
            copy.flush()
            output = _run(str(TRANSLATION), "--resolve", copy.name)
    result: dict[str, Any] = json.loads(output)
    return result


def expanded(**defaults: str | int) -> dict[str, Any]:
    """The expanded SAM template (treat it as read-only)."""
    result: dict[str, Any] = _sam_view(tuple(sorted(defaults.items())))["expanded"]
    return result


def translated(**defaults: str | int) -> dict[str, Any]:
    """The plain CloudFormation that AWS SAM makes of the expanded template (read-only)."""
    result: dict[str, Any] = _sam_view(tuple(sorted(defaults.items())))["translated"]
    return result


def template() -> dict[str, Any]:
    """The expanded template with the parameters' defaults."""
    return expanded()


def resources(
    of_type: str | None = None, document: dict[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = (document or expanded())["Resources"]
    return {
        logical_id: resource
        for logical_id, resource in found.items()
        if of_type is None or resource["Type"] == of_type
    }


def sub_text(value: Any) -> str:
    """The text of a ``Fn::Sub``, or the bare string the SAM CLI's expansion leaves of it."""
    if isinstance(value, dict) and list(value) == ["Fn::Sub"]:
        return str(value["Fn::Sub"])
    assert isinstance(value, str), value
    return value
