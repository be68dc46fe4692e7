"""What every response carries, written once: the problem+json shape of an error, the request
id, and the headers a browser may read and send.

The functions shape their responses with it, the local API's gateway its own errors, and a test
holds the template's gateway responses and preflights to it.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"  # RFC 9457
PROBLEM_TYPE = "about:blank"  # the status says what went wrong; no type of our own
REQUEST_ID_HEADER = "X-Request-Id"
# What a page's script may read of any response (Access-Control-Expose-Headers).
EXPOSED_HEADERS = ("ETag", "Location", REQUEST_ID_HEADER)
# What a browser client sends, which the preflight allows (Access-Control-Allow-Headers).
ALLOWED_HEADERS = ("Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key")


def cors_headers(allow_origin: str) -> dict[str, str]:
    """The CORS headers of every response; a single allowed origin varies it by Origin."""
    headers = {
        "Access-Control-Allow-Origin": allow_origin,
        "Access-Control-Expose-Headers": ",".join(EXPOSED_HEADERS),
    }
    if allow_origin != "*":
        headers["Vary"] = "Origin"
    return headers


def problem_body(
    status: HTTPStatus,
    detail: str,
    request_id: str,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The problem+json body; ``requestId`` is the ``X-Request-Id`` header's value."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": status.phrase,
        "status": status.value,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body["requestId"] = request_id
    return body
