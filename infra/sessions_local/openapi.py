"""The Sessions API's OpenAPI document, generated from the functions' own route declarations.

Each function's Powertools resolver describes its one route: parameters, body model, and the
responses its decorator declares. This merges the five and then:

* drops what Powertools adds but the API never answers: its 422 "HTTPValidationError" (an
  invalid request is a 400 problem+json, which every route declares) and its 500
  "ResponseValidationError" schema;
* spells header parameters as declared (Powertools lowercases them) and states optional
  parameters as absent-or-a-value, not nullable: a header or query value is never null;
* adds what lives outside the functions: the Cognito authorizer's security scheme.

    python -m sessions_local.openapi            print the document
    python -m sessions_local.openapi --write    write docs/openapi.json
    python -m sessions_local.openapi --check    exit 1 when docs/openapi.json is not current

Importing a handler module needs no environment and touches no AWS, so neither does this.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sessions_local.modules import load_module

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
DOCUMENT = ROOT / "docs" / "openapi.json"

TITLE = "Sessions API"
DESCRIPTION = """\
Create, list, read, update and delete the signed-in user's sessions.

Every route needs a Cognito user-pool ID token in `Authorization`; the owner of everything a
request touches is the token's `sub`, never anything the client sends. Every error is
`application/problem+json` (RFC 9457) and every response carries `X-Request-Id`.

Errors API Gateway raises before a function runs (a missing or bad token, throttling, an
unknown route or method) use the same problem+json shape. Timestamps are RFC 3339 UTC with
milliseconds, ending in `Z`. `ETag` is the session's version, quoted; `PUT` and `DELETE` take
it back in `If-Match`.
"""
SECURITY_SCHEME = "CognitoIdToken"
SECURITY_SCHEMES = {
    SECURITY_SCHEME: {
        # What API Gateway itself exports for a Cognito user-pool authorizer: the token is read
        # from the Authorization header, bare or after "Bearer ".
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A Cognito user-pool ID token, bare or as `Bearer <token>`. API "
        "Gateway's Cognito authorizer verifies it; the caller is its `sub` claim.",
        "x-amazon-apigateway-authtype": "cognito_user_pools",
    }
}
TAGS = [{"name": "sessions", "description": "The signed-in user's sessions."}]

_POWERTOOLS_ONLY_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


class DocumentError(Exception):
    """The functions' declarations cannot be merged into one document."""


def _api_version() -> str:
    try:
        return version("sessions-api")
    except PackageNotFoundError:  # pragma: no cover - the project is always installed
        return "0.0.0"


def _resolver_documents(functions: Path) -> list[dict[str, Any]]:
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

    documents = []
    for app_file in sorted(functions.glob("*/app.py")):
        module = load_module(f"sessions_openapi_{app_file.parent.name}", app_file)
        resolvers = [v for v in vars(module).values() if isinstance(v, ApiGatewayResolver)]
        if len(resolvers) != 1:
            raise DocumentError(f"{app_file} should define one resolver, not {len(resolvers)}")
        documents.append(json.loads(resolvers[0].get_openapi_json_schema()))
    if not documents:
        raise DocumentError(f"no functions under {functions}")
    return documents


def _merge(documents: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for document in documents:
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                if method in paths.setdefault(path, {}):
                    raise DocumentError(f"two functions declare {method.upper()} {path}")
                paths[path][method] = operation
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            if schemas.setdefault(name, schema) != schema:
                raise DocumentError(f"two different schemas are both named {name}")
    return paths, schemas


def _is_powertools_validation_error(response: dict[str, Any]) -> bool:
    text = json.dumps(response)
    return any(f"#/components/schemas/{name}" in text for name in _POWERTOOLS_ONLY_SCHEMAS)


def _tidy_parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    schema = dict(parameter["schema"])
    title = schema.pop("title", None)
    if schema.get("description") == parameter.get("description"):
        del schema["description"]
    if (
        parameter["in"] == "header"
        and isinstance(title, str)
        and title.lower() == parameter["name"]
    ):
        parameter = {**parameter, "name": title}
    variants = schema.get("anyOf")
    if not parameter.get("required") and isinstance(variants, list):
        values = [v for v in variants if v != {"type": "null"}]
        if len(values) == 1:
            rest = {k: v for k, v in schema.items() if k != "anyOf"}
            schema = {**values[0], **rest}
    return {**parameter, "schema": schema}


def _tidy_operation(operation: dict[str, Any]) -> dict[str, Any]:
    tidy = {k: v for k, v in operation.items() if v is not None}
    tidy["responses"] = {
        status: response
        for status, response in sorted(operation["responses"].items())
        if not _is_powertools_validation_error(response)
    }
    if "parameters" in tidy:
        tidy["parameters"] = [_tidy_parameter(p) for p in tidy["parameters"]]
    return tidy


def _referenced(document: Any) -> set[str]:
    text = json.dumps(document)
    prefix = '"#/components/schemas/'
    names = set()
    start = text.find(prefix)
    while start != -1:
        end = text.index('"', start + len(prefix))
        names.add(text[start + len(prefix) : end])
        start = text.find(prefix, end)
    return names


def build_document(functions: Path = FUNCTIONS) -> dict[str, Any]:
    paths, schemas = _merge(_resolver_documents(functions))
    tidy_paths = {
        path: {method: _tidy_operation(op) for method, op in operations.items()}
        for path, operations in sorted(paths.items())
    }
    # A schema stays while something still refers to it, directly or through another schema.
    kept: set[str] = set()
    pending = _referenced(tidy_paths)
    while pending - kept:
        kept |= pending
        pending = _referenced([schemas[name] for name in kept if name in schemas])
    unknown = kept - schemas.keys()
    if unknown:
        raise DocumentError(f"references to undefined schemas: {sorted(unknown)}")
    return {
        "openapi": documents_version(),
        "info": {"title": TITLE, "version": _api_version(), "description": DESCRIPTION},
        "tags": TAGS,
        "security": [{SECURITY_SCHEME: []}],
        "paths": tidy_paths,
        "components": {
            "schemas": {name: schemas[name] for name in sorted(kept)},
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def documents_version() -> str:
    """The OpenAPI version Powertools writes."""
    from aws_lambda_powertools.event_handler.openapi.constants import DEFAULT_OPENAPI_VERSION

    return DEFAULT_OPENAPI_VERSION


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sessions_local.openapi", description=__doc__.splitlines()[0]
    )
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {DOCUMENT.relative_to(ROOT)}")
    action.add_argument(
        "--check", action="store_true", help="exit 1 when the committed document is not current"
    )
    args = parser.parse_args(argv)
    text = render(build_document())
    if args.write:
        DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
        DOCUMENT.write_text(text, encoding="utf-8")
        print(f"wrote {DOCUMENT.relative_to(ROOT)}", file=sys.stderr)
    elif args.check:
        current = DOCUMENT.read_text(encoding="utf-8") if DOCUMENT.is_file() else ""
        if current != text:
            print(
                f"{DOCUMENT.relative_to(ROOT)} is out of date: run `make openapi`", file=sys.stderr
            )
            return 1
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
