"""The local API: a started deployment's functions behind the gateway, and local-only paths.

:class:`LocalApi` is everything ``sessions-local serve`` runs except the socket: it answers an
:class:`IncomingRequest` with the gateway's outcome, and also serves the local-only paths
(``/_local/token``, ``/_local/health``, ``/openapi.json``, ``/docs``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from typing import Any

from botocore.exceptions import ClientError
from session_actions.http.envelope import REQUEST_ID_HEADER

from sessions_local import HEALTH_PATH, MAX_TOKEN_TTL_S, TOKEN_PATH
from sessions_local.deployment import LocalDeployment
from sessions_local.gateway import GATEWAY, Authorizer, IncomingRequest, LocalGateway, Mock, Outcome
from sessions_local.gateway.docs import SWAGGER_PAGE, swagger_asset
from sessions_local.gateway.local_gateway import RouteTable, TokenVerifier, normalise
from sessions_local.gateway.responses import Cors, GatewayResponses, Rendered, problem
from sessions_local.gateway.server import LocalOrigins, canonical_origin
from sessions_local.runtimes.emulator import BuiltFunction
from sessions_local.runtimes.pool import FunctionFailed, LocalFunction, ProxyResponse
from sessions_local.stack import Resolver, ResponseSpec

log = logging.getLogger("sessions_local")

LOCAL = "local"


class TokenRequestError(Exception):
    pass


class LocalApi:
    """The gateway in front of a started deployment's functions, and the local-only paths.

    ``origins`` are the browser origins named at start-up (any loopback origin is always
    answered); ``port`` is where the server listens, which the functions' events carry.
    """

    def __init__(
        self, deployment: LocalDeployment, origins: tuple[str, ...] = (), port: int = 0
    ) -> None:
        self.deployment = deployment
        stack, resolver = deployment.stack, deployment.resolver
        region = deployment.settings.region
        self.functions: dict[str, LocalFunction] = {}
        for name, settings in deployment.functions.items():
            if deployment.emulator is not None:
                self.functions[name] = BuiltFunction(
                    settings.spec, region, settings.variables, deployment.emulator
                )
            else:  # from source: a code change is served on the next request
                self.functions[name] = LocalFunction(
                    settings.spec, region, settings.variables, watch=True
                )
        cors = Cors(allow_origin=resolver.parameters.get("AllowedOrigin", "*"))
        declared = {
            kind: _rendered(response, resolver)
            for kind, response in stack.gateway_responses.items()
        }
        self.responses = GatewayResponses(cors=cors, declared=declared)
        named = list(origins)
        # One the template's looser pattern admits but no browser sends matches nothing.
        with contextlib.suppress(ValueError):
            named.append(canonical_origin(cors.allow_origin))
        self.origins = LocalOrigins(tuple(dict.fromkeys(named)))
        authorizers = {}
        for name, spec in stack.authorizers.items():
            pool = deployment.pools[spec.user_pool]
            verifier = TokenVerifier(pool.issuer, pool.client_ids.values(), pool.jwks)
            authorizers[name] = Authorizer(verifier, spec.header)
        mocks = {
            (normalise(mock.path), mock.method): Mock(
                _rendered(mock.response, resolver), mock.authorizer
            )
            for mock in stack.mocks
        }
        tables = deployment.tables
        self.gateway = LocalGateway(
            routes=RouteTable(stack.routes, [path for path, _ in mocks]),
            functions=self.functions,
            authorizers=authorizers,
            responses=self.responses,
            mocks=mocks,
            stage=stack.stage,
            binary_media_types=stack.binary_media_types,
            before_invoke=tables.ensure_quietly if tables is not None else None,
            port=port,
        )
        self.token_pool = next(iter(deployment.pools.values()), None)

    def warm(self) -> threading.Thread:
        """Start one environment per function, in the background; failures go to the log."""

        def warm_all() -> None:
            with ThreadPoolExecutor(max_workers=max(1, len(self.functions))) as pool:
                for warning in pool.map(_warm, self.functions.values()):
                    if warning:
                        log.warning("warning: %s", warning)

        thread = threading.Thread(target=warm_all, name="warm-functions", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        for function in self.functions.values():
            function.stop()
        self.deployment.stop()

    # -- requests --------------------------------------------------------------------------

    def handle(self, request: IncomingRequest) -> Outcome:
        path = request.path
        if path == TOKEN_PATH:
            return self._token(request)
        if path == HEALTH_PATH and request.method == "GET":
            # Where its data is, so that `sessions-local invoke` can run against it.
            store = {"dynamodbEndpoint": self.deployment.dynamodb_endpoint}
            return self._json(request, HTTPStatus.OK, {"status": "ok", **store})
        if request.method == "GET" and (path in ("/openapi.json", "/docs", "/docs/")):
            return self._docs(request)
        if request.method == "GET" and path.startswith("/docs/"):
            asset = swagger_asset(path.removeprefix("/docs/"))
            if asset is not None:
                return self._raw(request, HTTPStatus.OK, asset[0], asset[1])
        return self.gateway.handle(request)

    def _raw(
        self, request: IncomingRequest, status: HTTPStatus, body: bytes, content_type: str
    ) -> Outcome:
        headers = [("Content-Type", content_type), (REQUEST_ID_HEADER, request.request_id)]
        return Outcome(ProxyResponse(status.value, headers, body), LOCAL)

    def _json(self, request: IncomingRequest, status: HTTPStatus, data: Any) -> Outcome:
        body = json.dumps(data).encode()
        return self._raw(request, status, body, "application/json")

    def _problem(self, request: IncomingRequest, status: HTTPStatus, detail: str) -> Outcome:
        response = problem(status, detail, request.request_id, self.responses.cors)
        return Outcome(response, LOCAL, detail)

    def _docs(self, request: IncomingRequest) -> Outcome:
        if request.path != "/openapi.json":
            return self._raw(request, HTTPStatus.OK, SWAGGER_PAGE.encode(), "text/html")
        committed = self.deployment.settings.template.parent / "docs" / "openapi.json"
        if not committed.is_file():
            detail = "docs/openapi.json does not exist: `make openapi` writes it"
            return self._problem(request, HTTPStatus.NOT_FOUND, detail)
        return self._raw(request, HTTPStatus.OK, committed.read_bytes(), "application/json")

    def _token(self, request: IncomingRequest) -> Outcome:
        if request.method != "POST":
            return self._problem(request, HTTPStatus.METHOD_NOT_ALLOWED, "POST a username")
        if not ipaddress.ip_address(request.source_ip).is_loopback:
            return self._problem(
                request, HTTPStatus.FORBIDDEN, "Tokens are only issued to this machine"
            )
        if self.token_pool is None:
            return self._problem(
                request, HTTPStatus.NOT_FOUND, "The template has no Cognito user-pool authorizer"
            )
        try:
            username, ttl = parse_token_request(request.body)
        except TokenRequestError as error:
            return self._problem(request, HTTPStatus.BAD_REQUEST, str(error))
        try:
            issued = self.token_pool.issue_id_token(username, ttl)
        except ClientError as error:  # a name the pool's sign-in rules refuse
            reason = error.response.get("Error", {}).get("Message", "refused")
            detail = f"The user pool refuses the user {username}: {reason}"
            return self._problem(request, HTTPStatus.BAD_REQUEST, detail)
        return self._json(
            request,
            HTTPStatus.OK,
            {
                "idToken": issued.id_token,
                "username": issued.username,
                "sub": issued.sub,
                "expiresIn": issued.expires_in,
            },
        )


def _warm(function: LocalFunction) -> str | None:
    """Start the function's first environment; the failure, for the console, if it fails."""
    try:
        function.warm()
    except FunctionFailed as failure:
        return str(failure)
    return None


def _rendered(response: ResponseSpec, resolver: Resolver) -> Rendered:
    resolved = {str(name): resolver.resolve(value) for name, value in response.headers.items()}
    # A header whose value is AWS::NoValue (an Fn::If branch) is not sent.
    headers = {name: str(value) for name, value in resolved.items() if value is not None}
    template = resolver.resolve(response.template)
    return Rendered(response.status, headers, None if template is None else str(template))


def parse_token_request(body: bytes) -> tuple[str, int | None]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise TokenRequestError('Send a JSON object: {"username": "alice"}') from None
    if not isinstance(data, dict):
        raise TokenRequestError('Send a JSON object: {"username": "alice"}')
    username = data.get("username")
    if (
        not isinstance(username, str)
        or not 1 <= len(username) <= 128
        or any(ch.isspace() or not ch.isprintable() for ch in username)
    ):
        raise TokenRequestError("username must be 1-128 printable characters without spaces")
    ttl = data.get("ttl")
    if ttl is not None and (
        not isinstance(ttl, int) or isinstance(ttl, bool) or not 1 <= ttl <= MAX_TOKEN_TTL_S
    ):
        raise TokenRequestError(
            f"ttl must be a whole number of seconds from 1 to {MAX_TOKEN_TTL_S}"
        )
    return username, ttl


__all__ = ["GATEWAY", "LOCAL", "LocalApi"]
