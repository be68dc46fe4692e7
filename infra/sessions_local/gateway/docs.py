"""``/docs``: Swagger UI for ``/openapi.json``, from the files Powertools ships (works offline)."""

from __future__ import annotations

from importlib import resources

ASSETS = {
    "swagger-ui-bundle.min.js": "text/javascript; charset=utf-8",
    "swagger-ui.min.css": "text/css; charset=utf-8",
}

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
    package = resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui")
    return package.joinpath(name).read_bytes(), ASSETS[name]
