"""The Sessions API's OpenAPI document, from the functions' own route declarations.

Each function declares its one route (``route`` in its ``app.py``): parameters, the body model
the scopes it accepts and the answers from ``api_docs``. This merges the five operations, with
each one's scopes as its security, publishes pydantic's JSON Schema of every model they name,
and adds the Cognito authorizer's security scheme. Importing a
handler module needs no environment and touches no AWS, so neither does this.

    python -m sessions_openapi            print the document
    python -m sessions_openapi --write    write docs/openapi.json
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any

from session_actions.http.routes import RESOURCE_SERVER, USER_ADMIN_SCOPE, Route

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
DOCUMENT = ROOT / "docs" / "openapi.json"

TITLE = "Sessions API"
DESCRIPTION = f"""\
Create, list, read, update and delete the signed-in user's sessions.

Every route needs a Cognito user-pool access token in `Authorization` carrying one of the
scopes its `security` lists: a custom scope of the user pool's resource server
`{RESOURCE_SERVER}`, or `{USER_ADMIN_SCOPE}`, which the token of a user signed in through
the user pool's own API carries and every route accepts. An ID token is refused. The owner of
everything a request touches is the token's `sub`, never anything the client sends. Every
error is `application/problem+json` (RFC 9457) and every response carries `X-Request-Id`.

Errors API Gateway raises before a function runs (a missing or bad token, throttling, an
unknown route or method) use the same problem+json shape. Timestamps are RFC 3339 UTC with
milliseconds, ending in `Z`. `ETag` is the session's version, quoted; `PUT` and `DELETE` take
it back in `If-Match`.
"""
SECURITY_SCHEME = "CognitoAccessToken"
SECURITY_SCHEMES = {
    SECURITY_SCHEME: {
        # What API Gateway itself exports for a Cognito user-pool authorizer: the token is read
        # from the Authorization header, bare or after "Bearer ".
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A Cognito user-pool access token, bare or as `Bearer <token>`. API "
        "Gateway's Cognito authorizer verifies it and its scopes; the caller is its `sub` claim.",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
    }
}
TAGS = [{"name": "sessions", "description": "The signed-in user's sessions."}]

OPENAPI_VERSION = "3.1.0"
_REF_TEMPLATE = "#/components/schemas/{model}"
_REFERENCE = re.compile(r'"#/components/schemas/([^"]+)"')


def load_module(name: str, file: Path) -> ModuleType:
    """The module in ``file`` under ``name``: every function's is ``app.py``, so they need
    names of their own to live in one process."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {file}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def _paths() -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    for app_file in sorted(FUNCTIONS.glob("*/app.py")):
        route: Route[Any] = load_module(f"sessions_openapi_{app_file.parent.name}", app_file).route
        operation = route.openapi()
        # Alternatives, one scope each: any one of the route's scopes will do.
        operation["security"] = [{SECURITY_SCHEME: [scope]} for scope in route.scopes]
        operation["responses"] = {
            str(status): answer for status, answer in sorted(operation["responses"].items())
        }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {path: dict(sorted(operations.items())) for path, operations in sorted(paths.items())}


def _schemas(names: set[str]) -> dict[str, Any]:
    """The JSON Schema of each named model (request bodies and answers), and of what they use."""
    from pydantic.json_schema import models_json_schema
    from session_actions.domain import models
    from session_actions.http import response_models

    known = {**vars(models), **vars(response_models)}
    chosen = [(known[name], "validation") for name in sorted(names)]
    _, document = models_json_schema(chosen, ref_template=_REF_TEMPLATE)  # type: ignore[arg-type]
    return dict(sorted(document.get("$defs", {}).items()))


def _referenced(document: Any) -> set[str]:
    return set(_REFERENCE.findall(json.dumps(document)))


def build_document() -> dict[str, Any]:
    paths = _paths()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": version("sessions-api"), "description": DESCRIPTION},
        "tags": TAGS,
        "paths": paths,
        "components": {
            "schemas": _schemas(_referenced(paths)),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    text = render(build_document())
    if argv == ["--write"]:
        DOCUMENT.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT.relative_to(ROOT)}", file=sys.stderr)
    elif argv:
        sys.exit(__doc__)
    else:
        sys.stdout.write(text)
