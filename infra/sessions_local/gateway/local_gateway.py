"""The gateway, in API Gateway's order: the most specific resource, else 404; the method's function
or mock, else ``ANY``'s, else 405; the authorizer's token checks, else 401; then the function's
response, else 502 (504 past API Gateway's 29 s). Errors are the template's gateway responses."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import jwt

from sessions_local.gateway.events import IncomingRequest, build_event
from sessions_local.gateway.responses import GatewayResponses, Rendered
from sessions_local.runtimes.pool import FunctionFailed, LocalFunction, ProxyResponse
from sessions_local.stack import RouteSpec

log = logging.getLogger("sessions_local")

GATEWAY = "gateway"


def _segments(path: str) -> list[str]:
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


def normalise(path: str) -> str:
    return "/" + path.strip("/")


@dataclass
class Resource:
    path: str  # normalised: /things/{id}
    methods: dict[str, RouteSpec] = field(default_factory=dict)

    def specificity(self) -> tuple[int, ...]:
        """Lower sorts first: per segment, a literal 0, a parameter 1, a greedy one 2."""
        segments = _segments(self.path)
        return tuple(2 if s.endswith("+}") else 1 if s.startswith("{") else 0 for s in segments)

    def parameters(self, parts: list[str]) -> dict[str, str] | None:
        """The path parameters when the request path's (decoded) segments match, else None."""
        segments = _segments(self.path)
        params: dict[str, str] = {}
        for index, segment in enumerate(segments):
            if segment.endswith("+}"):
                rest = parts[index:]
                return {**params, segment[1:-2]: "/".join(rest)} if any(rest) else None
            if index >= len(parts):
                return None
            if segment.startswith("{") and parts[index]:
                params[segment[1:-1]] = parts[index]
            elif segment != parts[index]:
                return None
        return params if len(parts) == len(segments) else None


class RouteTable:
    def __init__(self, routes: Iterable[RouteSpec], mock_paths: Iterable[str] = ()) -> None:
        resources: dict[str, Resource] = {}
        for route in routes:
            path = normalise(route.path)
            resources.setdefault(path, Resource(path)).methods[route.method] = route
        for path in map(normalise, mock_paths):
            resources.setdefault(path, Resource(path))
        self.resources = sorted(resources.values(), key=Resource.specificity)

    def match(self, raw_path: str) -> tuple[Resource, dict[str, str]] | None:
        parts = [unquote(part) for part in _segments(raw_path)]
        for resource in self.resources:
            params = resource.parameters(parts)
            if params is not None:
                return resource, params
        return None


class TokenRejected(Exception):
    """Why a request's token was refused (the function is then not called)."""


# Why a token was refused, for the log: clearer than PyJWT's messages.
_REASONS: dict[type[jwt.InvalidTokenError], str] = {
    jwt.ExpiredSignatureError: "token expired",
    jwt.InvalidSignatureError: "bad signature",
    jwt.InvalidIssuerError: "wrong issuer",
    jwt.ImmatureSignatureError: "issued in the future",
    jwt.InvalidAlgorithmError: "algorithm not allowed",
    jwt.DecodeError: "not a JWT",
}


class TokenVerifier:
    """Checks as API Gateway's Cognito user-pool authorizer does: an RS256 signature by the pool's
    JWKS, ``iss`` the pool, not expired; then, for a method with authorization scopes, an access
    token whose ``scope`` holds one of them; for a method without, an ID token. The authorizer
    names the pool alone, no app client: a token of any of the pool's app clients will do."""

    def __init__(self, issuer: str, jwks: Mapping[str, Any]) -> None:
        self.issuer = issuer
        self._keys = {key.key_id: key for key in jwt.PyJWKSet.from_dict(dict(jwks)).keys}

    def verify(self, header_value: str | None, scopes: Sequence[str] = ()) -> dict[str, Any]:
        token = (header_value or "").strip()
        scheme, _, rest = token.partition(" ")
        if scheme.lower() == "bearer":
            token = rest.strip()
        if not token or token.lower() == "bearer":
            raise TokenRejected("no token")
        token_use = "access" if scopes else "id"
        try:
            key = self._keys.get(jwt.get_unverified_header(token).get("kid") or "")
            if key is None:
                raise TokenRejected("signed with a key that is not the user pool's")
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                    "verify_aud": False,  # an ID token's aud is its app client: any will do
                },
            )
        except jwt.MissingRequiredClaimError as error:
            raise TokenRejected(f"no {error.claim} claim") from None
        except jwt.InvalidTokenError as error:
            raise TokenRejected(_REASONS.get(type(error), str(error))) from None
        if claims["token_use"] != token_use:
            raise TokenRejected(f"token_use is {claims['token_use']!r}, not {token_use!r}")
        held = str(claims.get("scope") or "").split()
        if scopes and not set(held) & set(scopes):
            raise TokenRejected(
                f"missing scope: this method needs one of {', '.join(scopes)};"
                f" the token has {', '.join(held) or 'none'}"
            )
        return claims


def gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as a REST API's Cognito authorizer passes them: all strings, ``exp`` and ``iat`` as
    dates (``Thu Jan 01 00:00:00 UTC 2026``), booleans ``true``/``false``, lists ``[a b]``."""
    passed: dict[str, str] = {}
    for name, value in claims.items():
        if name in ("exp", "iat") and isinstance(value, int | float):
            date = datetime.fromtimestamp(int(value), UTC)
            passed[name] = date.strftime("%a %b %d %H:%M:%S UTC %Y")
        elif isinstance(value, bool):
            passed[name] = "true" if value else "false"
        elif isinstance(value, list):
            passed[name] = "[" + " ".join(str(item) for item in value) + "]"
        else:
            passed[name] = str(value)
    return passed


@dataclass(frozen=True)
class Authorizer:
    verifier: TokenVerifier
    header: str = "Authorization"


@dataclass(frozen=True)
class Mock:
    response: Rendered
    authorizer: str | None = None  # the one SAM gives the mock's method
    scopes: tuple[str, ...] = ()  # the authorization scopes that method accepts


@dataclass(frozen=True)
class Outcome:
    response: ProxyResponse
    handled_by: str  # GATEWAY, or the function's logical id
    note: str = ""  # why the gateway refused, for the log


@dataclass
class LocalGateway:
    routes: RouteTable
    functions: Mapping[str, LocalFunction]
    authorizers: Mapping[str, Authorizer]
    responses: GatewayResponses
    stage: str
    before_invoke: Callable[[], object]
    mocks: Mapping[tuple[str, str], Mock] = field(default_factory=dict)
    binary_media_types: tuple[str, ...] = ()
    port: int = 0

    def handle(self, request: IncomingRequest) -> Outcome:
        found = self.routes.match(request.path)
        if found is None:
            detail = f"No route matches {request.method} {request.path}"
            kind = "MISSING_AUTHENTICATION_TOKEN"
            return self._refuse(request, kind, HTTPStatus.NOT_FOUND, detail)
        resource, path_parameters = found
        method, path = request.method, resource.path
        # The method's function, else its mock (a declared preflight beats ANY), else ANY's.
        targets = (resource.methods.get(m) or self.mocks.get((path, m)) for m in (method, "ANY"))
        target = next((target for target in targets if target is not None), None)
        if target is None:
            allowed = ", ".join([*sorted(resource.methods), "OPTIONS"])
            status, detail = HTTPStatus.METHOD_NOT_ALLOWED, f"{path} supports {allowed}"
            response = self.responses.error(
                "METHOD_NOT_ALLOWED", status, detail, request.request_id, [("Allow", allowed)]
            )
            return Outcome(response, GATEWAY, detail)
        claims = None
        if target.authorizer is not None:
            authorizer = self.authorizers[target.authorizer]
            token = request.header(authorizer.header)
            try:
                claims = gateway_claims(authorizer.verifier.verify(token, target.scopes))
            except TokenRejected as rejected:
                kind = "ID token"
                if target.scopes:
                    kind = "access token with a scope this method accepts"
                detail = f"Send a valid Cognito {kind} in the {authorizer.header} header"
                note = f"unauthorized: {rejected}"
                return self._refuse(request, "UNAUTHORIZED", HTTPStatus.UNAUTHORIZED, detail, note)
        if isinstance(target, Mock):
            response = self.responses.render(target.response, request.request_id)
            return Outcome(response, GATEWAY, "mock integration")
        function = self.functions[target.function]
        self.before_invoke()
        event = build_event(
            request, path, path_parameters, self.stage, claims, self.binary_media_types, self.port
        )
        try:
            response = function.invoke(event)
        except FunctionFailed as failure:
            log.error("%s", failure)
            kind, status = "INTEGRATION_FAILURE", HTTPStatus.BAD_GATEWAY
            if failure.gateway_timeout:
                kind, status = "INTEGRATION_TIMEOUT", HTTPStatus.GATEWAY_TIMEOUT
            detail = "The function failed to produce a response"
            response = self.responses.error(kind, status, detail, request.request_id)
            return Outcome(response, function.name, str(failure))
        response.headers.append(("x-amzn-RequestId", request.request_id))
        return Outcome(response, function.name)

    def _refuse(
        self, request: IncomingRequest, kind: str, status: HTTPStatus, detail: str, note: str = ""
    ) -> Outcome:
        response = self.responses.error(kind, status, detail, request.request_id)
        return Outcome(response, GATEWAY, note or detail)
