"""A function's environment variables as Lambda sets them: template variables (a dynamic
reference to a secret becomes a random value, one per run), then Lambda's reserved ones;
``POWERTOOLS_*`` from the shell win, so ``POWERTOOLS_LOG_LEVEL=DEBUG make dev`` works."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from sessions_local.stack import FunctionSpec

# No X-Ray daemon here; metrics (EMF) lines would drown the log, and so the warning that there
# are none says nothing.
LOCAL_DEFAULTS = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "PYTHONWARNINGS": "ignore:No application metrics to publish",
}
# Passed on from the local API's environment: what any process needs, and Python's settings.
PROCESS_BASICS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "VIRTUAL_ENV")
PYTHON_BASICS = ("PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")
_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:[^}]+\}\}")


class SecretValues(dict[str, str]):
    """One random value per dynamic reference, the same for every function in this run."""

    def replace(self, text: str) -> str:
        return _DYNAMIC_REFERENCE.sub(
            lambda match: self.setdefault(match.group(0), secrets.token_urlsafe(32)), text
        )


def function_variables(
    spec: FunctionSpec,
    resolved: Mapping[str, Any],
    region: str,
    secret_values: SecretValues,
    parent: Mapping[str, str],
) -> dict[str, str]:
    """Every variable the function's environment starts with; ``parent`` is the local API's."""
    variables = {name: parent[name] for name in (*PROCESS_BASICS, *PYTHON_BASICS) if name in parent}
    variables |= {name: value for name, value in parent.items() if name.startswith("AWS_")}
    variables |= LOCAL_DEFAULTS
    for name, value in resolved.items():
        if value is not None:
            variables[str(name)] = secret_values.replace(str(value))
    return variables | {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": spec.logical_id,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.logical_id}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "LAMBDA_TASK_ROOT": str(spec.code_uri),
        "_HANDLER": spec.handler,
        **{name: value for name, value in parent.items() if name.startswith("POWERTOOLS_")},
    }
