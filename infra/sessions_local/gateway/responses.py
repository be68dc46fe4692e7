"""Responses the gateway makes itself: those the template declares rendered as API Gateway does
(header mappings ``'text'`` and ``context.x``, ``$context.x`` in the template), others as the
contract's problem+json."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus

from session_actions.http.envelope import (
    PROBLEM_JSON,
    REQUEST_ID_HEADER,
    cors_headers,
    problem_body,
)

from sessions_local.runtimes.pool import ProxyResponse

Headers = Iterable[tuple[str, str]]
_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+)")


@dataclass(frozen=True)
class Rendered:  # a gateway or mock response, its intrinsics resolved
    status: int
    headers: Mapping[str, str]
    template: str | None


@dataclass(frozen=True)
class Cors:
    allow_origin: str


def render_template(template: str, context: Mapping[str, str]) -> str:
    """Substitute ``$context.x`` variables (the only mapping-template feature supported)."""
    return _CONTEXT_VARIABLE.sub(lambda found: context.get(found[1], found[0]), template)


@dataclass
class GatewayResponses:
    cors: Cors
    declared: Mapping[str, Rendered] = field(default_factory=dict)

    def error(
        self, kind: str, status: HTTPStatus, detail: str, request_id: str, headers: Headers = ()
    ) -> ProxyResponse:
        """The gateway response of type ``kind`` (API Gateway's names, e.g. UNAUTHORIZED)."""
        declared = self.declared.get(kind)
        if declared is None:
            fallback = self.declared.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
            if fallback is None:
                return problem(status, detail, request_id, self.cors, headers)
            declared = replace(fallback, status=status.value)
        return self.render(declared, request_id, detail, headers)

    def render(
        self, declared: Rendered, request_id: str, message: str = "", headers: Headers = ()
    ) -> ProxyResponse:
        """A declared response (or mock), given the error it answers."""
        variables = {
            "requestId": request_id,
            "error.message": message,
            "error.messageString": json.dumps(message),
        }
        mapped: list[tuple[str, str]] = []
        for name, expression in declared.headers.items():
            source, _, variable = expression.partition(".")
            if len(expression) >= 2 and expression[0] == expression[-1] == "'":
                mapped.append((name, expression[1:-1]))
            elif source == "context" and variable in variables:
                mapped.append((name, variables[variable]))
        names = {name.lower() for name, _ in mapped}
        mapped.extend((name, value) for name, value in headers if name.lower() not in names)
        body = render_template(declared.template, variables) if declared.template else ""
        if body and "content-type" not in {name.lower() for name, _ in mapped}:
            mapped.append(("Content-Type", "application/json"))
        return ProxyResponse(declared.status, mapped, body.encode())


def problem(
    status: HTTPStatus, detail: str, request_id: str, cors: Cors, headers: Headers = ()
) -> ProxyResponse:
    """The contract's problem+json error, for gateway errors the template does not declare."""
    body = json.dumps(problem_body(status, detail, request_id)).encode()
    own = {"Content-Type": PROBLEM_JSON, REQUEST_ID_HEADER: request_id}
    own.update(cors_headers(cors.allow_origin))
    return ProxyResponse(status.value, [*own.items(), *headers], body)
