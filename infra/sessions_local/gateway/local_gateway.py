"""The gateway: from an HTTP request to a function's response, in API Gateway's order.

1. route: no resource matches the path, 404 (MISSING_AUTHENTICATION_TOKEN); a method the
   resource has no function for, the mock integration for that method (such as a CORS
   preflight ``OPTIONS``, which wins over an ``ANY`` route; SAM's ``Cors`` makes those too)
   or for ``ANY``, behind the authorizer its method has in SAM's translation; else 405;
2. body: larger than API Gateway's 10 MB payload limit, REQUEST_TOO_LARGE (413 by default);
3. authorizer: a missing or bad ID token, 401 (UNAUTHORIZED), and the function is not called;
4. the function, with a proxy event; its response is passed on as it is (plus API Gateway's
   ``x-amzn-RequestId``); a function that raises, times out or answers something malformed,
   INTEGRATION_FAILURE (502 by default); one that outlasts API Gateway's 29 s,
   INTEGRATION_TIMEOUT (504).

Each gateway error is the template's gateway response of that type when it declares one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from sessions_local.gateway.authorizer import TokenRejected, TokenVerifier, gateway_claims
from sessions_local.gateway.events import IncomingRequest, build_event
from sessions_local.gateway.responses import GatewayResponses, Rendered
from sessions_local.gateway.routing import Resource, RouteTable
from sessions_local.runtimes.pool import FunctionFailed, LocalFunction, ProxyResponse

log = logging.getLogger("sessions_local")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
GATEWAY = "gateway"


@dataclass(frozen=True)
class Authorizer:
    verifier: TokenVerifier
    header: str = "Authorization"


@dataclass(frozen=True)
class Mock:
    """A mock integration of the template, and the authorizer SAM gives its method."""

    response: Rendered
    authorizer: str | None = None


@dataclass(frozen=True)
class Outcome:
    response: ProxyResponse
    handled_by: str  # GATEWAY, or the function's logical id
    note: str = ""  # why the gateway refused, for the log


class LocalGateway:
    def __init__(
        self,
        routes: RouteTable,
        functions: Mapping[str, LocalFunction],
        authorizers: Mapping[str, Authorizer],
        responses: GatewayResponses,
        stage: str,
        mocks: Mapping[tuple[str, str], Mock] | None = None,
        binary_media_types: tuple[str, ...] = (),
        before_invoke: Callable[[], object] | None = None,
        port: int = 0,
    ) -> None:
        self.routes = routes
        self.functions = functions
        self.authorizers = authorizers
        self.responses = responses
        self.mocks = mocks or {}
        self.stage = stage
        self.binary_media_types = binary_media_types
        self.before_invoke = before_invoke
        self.port = port

    def _refuse(
        self,
        request: IncomingRequest,
        kind: str,
        status: HTTPStatus,
        detail: str,
        note: str = "",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Outcome:
        context = {
            "httpMethod": request.method,
            "path": request.path,
            "stage": self.stage,
            "identity.sourceIp": request.source_ip,
        }
        response = self.responses.error(kind, status, detail, request.request_id, headers, context)
        return Outcome(response, GATEWAY, note or detail)

    def _authorize(
        self, request: IncomingRequest, name: str | None
    ) -> tuple[dict[str, str] | None, Outcome | None]:
        """The caller's claims (None without an authorizer), or the 401 refusing the request."""
        if name is None:
            return None, None
        authorizer = self.authorizers[name]
        header = request.header(authorizer.header)
        try:
            return gateway_claims(authorizer.verifier.verify(header)), None
        except TokenRejected as rejected:
            detail = (
                f"Send a Cognito ID token in the {authorizer.header} header"
                if header is None or not header.strip()
                else "The token has expired"
                if str(rejected) == "token expired"
                else "The token is not valid for this API"
            )
            refusal = self._refuse(
                request,
                "UNAUTHORIZED",
                HTTPStatus.UNAUTHORIZED,
                detail,
                f"unauthorized: {rejected}",
            )
            return None, refusal

    def _unrouted_method(self, request: IncomingRequest, resource: Resource) -> Outcome:
        """A method the resource has no function for: its mock integration, else 405."""
        mock = self.mocks.get((resource.path, request.method)) or self.mocks.get(
            (resource.path, "ANY")
        )
        if mock is not None:
            _, refusal = self._authorize(request, mock.authorizer)
            if refusal is not None:
                return refusal
            context = {"httpMethod": request.method, "resourcePath": resource.path}
            response = self.responses.mock(mock.response, request.request_id, context)
            return Outcome(response, GATEWAY, "mock integration")
        allowed = ", ".join([*resource.allowed_methods(), "OPTIONS"])
        return self._refuse(
            request,
            "METHOD_NOT_ALLOWED",
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{resource.path} supports {allowed}",
            headers=(("Allow", allowed),),
        )

    def handle(self, request: IncomingRequest) -> Outcome:
        found = self.routes.match(request.path)
        if found is None:
            return self._refuse(
                request,
                "MISSING_AUTHENTICATION_TOKEN",
                HTTPStatus.NOT_FOUND,
                f"No route matches {request.method} {request.path}",
            )
        resource, path_parameters = found
        route = resource.route_for(request.method)
        if request.method not in resource.methods and (resource.path, request.method) in self.mocks:
            # A method declared in the DefinitionBody (this API's preflight) wins over ANY.
            return self._unrouted_method(request, resource)
        if route is None:
            return self._unrouted_method(request, resource)
        if len(request.body) > MAX_PAYLOAD_BYTES:
            return self._refuse(request, *too_large())
        claims, refusal = self._authorize(request, route.authorizer)
        if refusal is not None:
            return refusal
        function = self.functions[route.function]
        if self.before_invoke is not None:
            self.before_invoke()
        event = build_event(
            request,
            resource=resource.path,
            path_parameters=path_parameters,
            stage=self.stage,
            claims=claims,
            binary_media_types=self.binary_media_types,
            local_port=self.port,
        )
        try:
            response = function.invoke(event)
        except FunctionFailed as failure:
            log.error("%s", failure)
            if failure.gateway_timeout:
                kind, status = "INTEGRATION_TIMEOUT", HTTPStatus.GATEWAY_TIMEOUT
            else:
                kind, status = "INTEGRATION_FAILURE", HTTPStatus.BAD_GATEWAY
            outcome = self._refuse(
                request, kind, status, "The function failed to produce a response", str(failure)
            )
            return Outcome(outcome.response, function.name, outcome.note)
        response.headers.append(("x-amzn-RequestId", request.request_id))
        return Outcome(response, function.name)


def too_large() -> tuple[str, HTTPStatus, str]:
    """The gateway response for a body over API Gateway's payload limit."""
    return (
        "REQUEST_TOO_LARGE",
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "The request body is larger than the gateway's 10 MB limit",
    )
