"""A function's environment variables, as Lambda sets them, with the AWS settings of this run.

Template variables (dynamic references to secrets become a random value made once per run),
then Lambda's reserved ones; ``POWERTOOLS_*`` from the shell win over all, so that
``POWERTOOLS_LOG_LEVEL=DEBUG make dev`` works.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from typing import Any

from sessions_local.stack import FunctionSpec

# Outside Lambda there is no X-Ray daemon; metrics (EMF) lines would drown the request log, and
# with none published, Powertools' warning that there are none says nothing.
LOCAL_DEFAULTS = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "PYTHONWARNINGS": "ignore:No application metrics to publish",
}
# What any process needs to run on this machine (and Python's output and bytecode settings),
# passed on from the local API's environment.
PROCESS_BASICS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "VIRTUAL_ENV")
PYTHON_BASICS = ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]+\}\}")


class SecretValues:
    """One random value per dynamic reference, the same for every function in this run."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def replace(self, text: str) -> str:
        return _DYNAMIC_REFERENCE.sub(
            lambda match: self._values.setdefault(match.group(0), secrets.token_urlsafe(32)), text
        )


def function_variables(
    spec: FunctionSpec,
    resolved: Mapping[str, Any],
    region: str,
    secret_values: SecretValues,
    parent: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every variable the function's environment starts with; ``parent`` is the local API's."""
    parent = os.environ if parent is None else parent
    basics = [*PROCESS_BASICS, *PYTHON_BASICS]
    variables = {name: parent[name] for name in basics if name in parent}
    variables.update({name: value for name, value in parent.items() if name.startswith("AWS_")})
    variables.update(LOCAL_DEFAULTS)
    for name, value in resolved.items():
        if value is not None:
            variables[str(name)] = secret_values.replace(str(value))
    variables.update(
        {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(spec.code_uri),
            "_HANDLER": spec.handler,
        }
    )
    variables.update({k: v for k, v in parent.items() if k.startswith("POWERTOOLS_")})
    return variables
