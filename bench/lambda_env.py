"""What a function sees in Lambda: environment, API Gateway events and the context object.

Standard library only: the cold-start child imports this before its clock matters.
"""

from __future__ import annotations

import ast
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"

OWNER = "7d1e5c2a-4b6f-4e0a-9c1d-2f3b4a5c6d7e"
OTHER_OWNER = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"
SESSION_ID = "01JD5Z8Q3W6X9Y2A4B7C0D1E3F"
SESSIONS_TABLE = "bench-sessions"
IDEMPOTENCY_TABLE = "bench-idempotency"
REGION = "eu-west-1"


@dataclass(frozen=True)
class Route:
    function: str  # directory under functions/
    method: str
    resource: str
    label: str  # how the table names it


def _declared(function: str) -> Route:
    """The route a function's app.py declares: ``route = Route(METHOD, PATH, ...)``."""
    tree = ast.parse((FUNCTIONS_DIR / function / "app.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Route":
            method, path = (ast.literal_eval(argument) for argument in node.args[:2])
            return Route(function, method, path, f"{method} {path}")
    raise LookupError(f"functions/{function}/app.py declares no Route")


# Read from the functions' own declarations (without importing them: this runs before the
# cold-start clock, with the standard library only); by path, then create, read, update, delete.
ROUTES = tuple(
    sorted(
        (_declared(app.parent.name) for app in FUNCTIONS_DIR.glob("*/app.py")),
        key=lambda route: (route.resource, ["POST", "GET", "PUT", "DELETE"].index(route.method)),
    )
)
ROUTE_OF = {route.function: route for route in ROUTES}


def lambda_environment(function: str, tree: Path = ROOT) -> dict[str, str]:
    """The variables Lambda and the template give a deployed function (no real credentials).

    ``LAMBDA_TASK_ROOT`` is what makes Powertools enable the Tracer and the X-Ray SDK pick its
    Lambda context; the daemon address is a loopback port where nothing listens, as in a
    sandbox whose daemon is slow: the SDK's UDP emitter must not block on it.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN", "LAMBDA_"))
    }
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": f"sessions-api-{function.replace('_', '-')}",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/sessions-api-{function}",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "LAMBDA_TASK_ROOT": str(tree / "functions" / function),
            "AWS_ACCESS_KEY_ID": "ASIABENCHMARKEXAMPLE",
            "AWS_SECRET_ACCESS_KEY": "bench-secret-not-a-real-key",
            "AWS_SESSION_TOKEN": "bench-session-token",
            # Never ask an instance metadata endpoint or a developer's ~/.aws for anything.
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            # template.yaml: Globals (LoggingConfig JSON at INFO) and each function's own.
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "AWS_LAMBDA_LOG_LEVEL": "INFO",
            "POWERTOOLS_SERVICE_NAME": "sessions-api",
            "POWERTOOLS_METRICS_NAMESPACE": "SessionsApi",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
            "SESSIONS_TABLE_NAME": SESSIONS_TABLE,
            "IDEMPOTENCY_TABLE_NAME": IDEMPOTENCY_TABLE,
            "CURSOR_SECRET": "bench-cursor-secret",
            "ALLOWED_ORIGIN": "https://app.example.com",
        }
    )
    # The layer's code from the checkout under test, ahead of any installed copy (as the
    # layer is); the harness itself always runs from this checkout.
    env["PYTHONPATH"] = str(tree / "shared")
    return env


def new_trace_header(sampled: bool = True) -> str:
    """What the Lambda runtime puts in ``_X_AMZN_TRACE_ID`` before each invocation."""
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return f"Root={root};Parent={secrets.token_hex(8)};Sampled={int(sampled)}"


def start_invocation(sampled: bool = True) -> None:
    os.environ["_X_AMZN_TRACE_ID"] = new_trace_header(sampled)


class Context:
    """The parts of the Lambda context object the handlers and Powertools read."""

    function_name = "sessions-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    log_group_name = "/aws/lambda/sessions-api"
    log_stream_name = "2030/01/01/[$LATEST]bench"

    def __init__(self) -> None:
        self.aws_request_id = secrets.token_hex(16)
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def session_body(title: str = "Design review") -> dict[str, Any]:
    return {
        "title": title,
        "description": "Walk through the storage design",
        "status": "scheduled",
        "startsAt": "2030-01-31T09:00:00Z",
        "endsAt": "2030-01-31T10:00:00+00:00",
        "tags": ["design", "storage"],
    }


def api_event(
    route: Route,
    *,
    session_id: str = SESSION_ID,
    body: dict[str, Any] | str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    owner: str | None = OWNER,
) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the Cognito-authorized route delivers it."""
    path = route.resource.replace("{id}", session_id)
    all_headers = {
        "Accept": "application/json",
        "Authorization": "Bearer eyJraWQiOiJiZW5jaCJ9.e30.c2ln",
        "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "bench/1.0",
        "X-Forwarded-For": "203.0.113.7",
        **({"Content-Type": "application/json"} if body is not None else {}),
        **(headers or {}),
    }
    # A user's own access token, as from signing in through the user pool's API: every route
    # accepts its scope (written out: this module imports nothing of the library).
    claims = (
        {
            "sub": owner,
            "client_id": "benchclientid",
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "username": owner,
        }
        if owner
        else {}
    )
    text = body if isinstance(body, str) or body is None else json.dumps(body)
    return {
        "resource": route.resource,
        "path": path,
        "httpMethod": route.method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": (
            {name: [value] for name, value in query.items()} if query else None
        ),
        "pathParameters": {"id": session_id} if "{id}" in route.resource else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.resource,
            "httpMethod": route.method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": secrets.token_hex(16),
            "accountId": "123456789012",
            "apiId": "abc123",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "bench/1.0"},
            "authorizer": {"claims": claims} if claims else {},
            "requestTimeEpoch": int(time.time() * 1000),
        },
        "body": text,
        "isBase64Encoded": False,
    }


def success_event(function: str) -> dict[str, Any]:
    """The request each function serves first: its route's success path."""
    route = ROUTE_OF[function]
    if function == "create_session":
        return api_event(route, body=session_body())
    if function == "update_session":
        return api_event(route, body={"title": "Design review, take two"})
    if function == "list_sessions":
        return api_event(route, query={"limit": "20"})
    return api_event(route)


def put_function_on_path() -> None:
    """Import ``app`` the way the Lambda runtime does: from the task root, the function's code."""
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])


def run_json_child(module: str, function: str, *args: str) -> Any:
    """``python -m module args`` in ``function``'s deployed environment; its last line is JSON."""
    import subprocess  # only the parent runs children; the cold-start child skips this import

    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=lambda_environment(function),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} child failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
