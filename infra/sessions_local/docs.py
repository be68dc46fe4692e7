"""``/openapi.json`` and ``/docs``: the API's OpenAPI document and a Swagger UI for it.

The document is the committed ``docs/openapi.json``. Without it, the local API merges what the
functions' Powertools resolvers can describe of their routes, and says so in the document.
Swagger UI's script and stylesheet are the copies Powertools ships, served from this process:
the page works offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from sessions_local.functions import FunctionFailed, LocalFunction

ASSETS = {
    "swagger-ui-bundle.min.js": "text/javascript; charset=utf-8",
    "swagger-ui.min.css": "text/css; charset=utf-8",
}
_ASSET_PACKAGE = "aws_lambda_powertools.event_handler.openapi.swagger_ui"

SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sessions API (local)</title>
  <link rel="stylesheet" href="/docs/swagger-ui.min.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.min.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      persistAuthorization: true,
      layout: "BaseLayout",
      servers: [{url: window.location.origin}]
    });
  </script>
</body>
</html>
"""


def swagger_asset(name: str) -> tuple[bytes, str] | None:
    """One of Swagger UI's files and its content type, or None for any other name."""
    if name not in ASSETS:
        return None
    return resources.files(_ASSET_PACKAGE).joinpath(name).read_bytes(), ASSETS[name]


def openapi_document(committed: Path, functions: Iterable[LocalFunction]) -> dict[str, Any] | None:
    """The committed document, else one merged from the functions' resolvers, else None."""
    if committed.is_file():
        document: dict[str, Any] = json.loads(committed.read_text(encoding="utf-8"))
        return document
    return _from_resolvers(functions)


def _from_resolvers(functions: Iterable[LocalFunction]) -> dict[str, Any] | None:
    from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for function in functions:
        try:
            module = function.inspect()
        except FunctionFailed:
            continue
        for value in vars(module).values():
            if not isinstance(value, ApiGatewayResolver):
                continue
            part = json.loads(value.get_openapi_json_schema(title="Sessions API"))
            for path, operations in (part.get("paths") or {}).items():
                paths.setdefault(path, {}).update(operations)
            schemas.update((part.get("components") or {}).get("schemas") or {})
    if not paths:
        return None
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sessions API",
            "version": "local",
            "description": (
                "Assembled by the local API from the functions' route declarations, because "
                "docs/openapi.json does not exist yet. It lacks the gateway's responses and the "
                "security scheme."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items()))},
    }
