"""The local API assembled: embedded AWS, tables, user pool, functions and gateway.

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
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

from sessions_local import FUNCTIONS_PATH, HEALTH_PATH, MAX_TOKEN_TTL_S, TOKEN_PATH
from sessions_local.aws_local import EmbeddedAws, client, isolate_environment
from sessions_local.built import BuiltFunction
from sessions_local.docs import SWAGGER_PAGE, openapi_document, swagger_asset
from sessions_local.emulator import Emulator, prepare
from sessions_local.events import IncomingRequest
from sessions_local.functions import (
    FunctionFailed,
    LocalFunction,
    ProxyResponse,
    start_process_server,
)
from sessions_local.gateway import GATEWAY, Authorizer, LocalGateway, Mock, Outcome
from sessions_local.intrinsics import ACCOUNT_ID, Resolver
from sessions_local.lambda_env import SecretValues, function_variables
from sessions_local.origins import LocalOrigins, canonical_origin
from sessions_local.responses import Cors, GatewayResponses, Rendered, problem
from sessions_local.routing import RouteTable, normalise
from sessions_local.tables import TableProvisioner, plan_table
from sessions_local.template import LocalTemplate, ResponseSpec, read_template
from sessions_local.tokens import TokenVerifier
from sessions_local.userpool import LocalUserPool

log = logging.getLogger("sessions_local")

LOCAL = "local"
# Set for the functions unless the developer's shell already sets them.


@dataclass
class Settings:
    template: Path
    host: str = "127.0.0.1"
    port: int = 3000
    region: str = "us-east-1"
    dynamodb_endpoint: str | None = None
    # Named CORS origins: the first is the deployment's AllowedOrigin (what the functions and
    # the gateway's responses send); every one, and any loopback origin, is echoed to browsers.
    allowed_origins: tuple[str, ...] = ()

    @property
    def allowed_origin(self) -> str | None:
        return self.allowed_origins[0] if self.allowed_origins else None

    # The functions as `sam build` builds them, under the Lambda runtime emulator.
    built: bool = False


@dataclass
class StartReport:
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class TokenRequestError(Exception):
    pass


class LocalApi:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.template: LocalTemplate = read_template(settings.template)
        self.aws = EmbeddedAws()
        self.functions: dict[str, LocalFunction] = {}
        self.pools: dict[str, LocalUserPool] = {}
        self.token_pool: LocalUserPool | None = None
        self.tables: TableProvisioner | None = None
        self.gateway: LocalGateway | None = None
        self.responses = GatewayResponses(cors=Cors(allow_origin="*"))
        self.origins = LocalOrigins(settings.allowed_origins)
        self.emulator: Emulator | None = None
        self.dynamodb_endpoint = ""

    # -- start and stop -------------------------------------------------------------------

    def start(self) -> StartReport:
        """Start the embedded AWS, create tables and user pool, load the functions."""
        report = StartReport(warnings=list(self.template.warnings))
        settings = self.settings
        # Source environments fork from a process server, started beside the rest of start-up;
        # built ones are emulator processes and need none.
        process_server: threading.Thread | None = None
        if not settings.built:
            process_server = threading.Thread(target=start_process_server, daemon=True)
            process_server.start()
        endpoint = self.aws.start()
        dynamodb_endpoint = settings.dynamodb_endpoint or endpoint
        self.dynamodb_endpoint = dynamodb_endpoint
        isolate_environment(settings.region, endpoint, dynamodb_endpoint)
        overrides = {}
        if settings.allowed_origin is not None and "AllowedOrigin" in self.template.parameters:
            overrides["AllowedOrigin"] = settings.allowed_origin

        physical: dict[str, str] = {}
        attributes: dict[tuple[str, str], str] = {}
        tables = self._create_tables(self.template.resolver(settings.region, overrides), report)
        for plan in tables.plans:
            physical[plan.logical_id] = plan.name
            attributes[(plan.logical_id, "Arn")] = (
                f"arn:aws:dynamodb:{settings.region}:{ACCOUNT_ID}:table/{plan.name}"
            )
        for name, pool in self._create_user_pools(endpoint).items():
            physical[name] = pool.pool_id
            physical.update(pool.client_ids)
            attributes[(name, "Arn")] = pool.arn
            attributes[(name, "ProviderURL")] = pool.issuer
            attributes[(name, "ProviderName")] = pool.issuer.removeprefix("https://")

        resolver = self.template.resolver(settings.region, overrides, physical, attributes)
        self.responses = self._gateway_responses(resolver)
        self.origins = self._origins(self.responses.cors.allow_origin)
        if process_server is not None:
            process_server.join()
        self._start_functions(resolver)
        self.gateway = self._gateway(resolver, tables)
        return report

    def _create_tables(self, resolver: Resolver, report: StartReport) -> TableProvisioner:
        endpoint = self.settings.dynamodb_endpoint or self.aws.endpoint
        plans = [plan_table(spec, resolver) for spec in self.template.tables]
        self.tables = TableProvisioner(client("dynamodb", self.settings.region, endpoint), plans)
        try:
            report.notes.extend(self.tables.ensure())
        except Exception as error:
            if self.settings.dynamodb_endpoint is None:
                raise
            report.warnings.append(
                f"DynamoDB at {endpoint} is not reachable ({type(error).__name__}); "
                "tables will be created when it is, and requests fail with 503 until then"
            )
        return self.tables

    def _create_user_pools(self, endpoint: str) -> dict[str, LocalUserPool]:
        """One local pool for each user pool a Cognito authorizer names."""
        cognito = client("cognito-idp", self.settings.region, endpoint)
        for authorizer in self.template.authorizers.values():
            name = authorizer.user_pool
            spec = self.template.user_pools.get(name)
            if name in self.pools or spec is None:
                continue
            self.pools[name] = LocalUserPool(
                cognito, endpoint, self.settings.region, spec, self.template.clients_of(name)
            )
        self.token_pool = next(iter(self.pools.values()), None)
        return self.pools

    def _start_functions(self, resolver: Resolver) -> None:
        """Each function with its own variables; environments start on demand or ``warm()``."""
        secret_values = SecretValues()
        if self.settings.built:
            self.emulator = prepare(self.template.path, echo=log.info)
        for spec in self.template.functions.values():
            variables = function_variables(
                spec, resolver.resolve(dict(spec.environment)), self.settings.region, secret_values
            )
            if self.emulator is not None:
                function: LocalFunction = BuiltFunction(
                    spec, self.settings.region, variables, self.emulator
                )
            else:
                function = LocalFunction(spec, self.settings.region, variables)
            self.functions[spec.logical_id] = function

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

    def _gateway(self, resolver: Resolver, tables: TableProvisioner) -> LocalGateway:
        authorizers = {}
        for name, spec in self.template.authorizers.items():
            pool = self.pools[spec.user_pool]
            verifier = TokenVerifier(pool.issuer, pool.client_ids.values(), pool.jwks)
            authorizers[name] = Authorizer(verifier, spec.header)
        mocks = {
            (normalise(mock.path), mock.method): Mock(
                _rendered(mock.response, resolver), mock.authorizer
            )
            for mock in self.template.mocks
        }
        return LocalGateway(
            routes=RouteTable(self.template.routes, [path for path, _ in mocks]),
            functions=self.functions,
            authorizers=authorizers,
            responses=self.responses,
            mocks=mocks,
            stage=self.template.stage,
            binary_media_types=self.template.binary_media_types,
            before_invoke=tables.ensure_quietly,
            port=self.settings.port,
            cors_declared=self.template.cors is not None,
        )

    def _gateway_responses(self, resolver: Resolver) -> GatewayResponses:
        """CORS as the template's API declares it, and its gateway responses, resolved."""
        spec = self.template.cors
        origin = self.settings.allowed_origin
        if origin is None and spec is not None:
            origin = _unquote(str(resolver.resolve(spec.allow_origin)))
        if origin is None:
            origin = resolver.parameters.get("AllowedOrigin", "*")
        cors = Cors(allow_origin=origin, allow_credentials=bool(spec and spec.allow_credentials))
        if spec is not None:
            cors = replace(
                cors,
                allow_headers=spec.allow_headers or cors.allow_headers,
                allow_methods=spec.allow_methods,
                max_age=spec.max_age,
            )
        declared = {
            kind: _rendered(response, resolver)
            for kind, response in self.template.gateway_responses.items()
        }
        return GatewayResponses(cors=cors, declared=declared)

    def _origins(self, configured: str) -> LocalOrigins:
        """The named origins and the configured one (a browser there is already answered)."""
        named = list(self.settings.allowed_origins)
        # One the template's looser pattern admits but no browser sends matches nothing.
        with contextlib.suppress(ValueError):
            named.append(canonical_origin(configured))
        return LocalOrigins(tuple(dict.fromkeys(named)))

    def stop(self) -> None:
        for function in self.functions.values():
            function.stop()
        self.aws.stop()

    # -- requests --------------------------------------------------------------------------

    def handle(self, request: IncomingRequest) -> Outcome:
        if self.gateway is None:
            raise RuntimeError("LocalApi.start() must run before requests are handled")
        path = request.path
        if path == TOKEN_PATH:
            return self._token(request)
        if path == FUNCTIONS_PATH and request.method == "GET":
            return self._functions(request)
        if path == HEALTH_PATH and request.method == "GET":
            return self._json(request, HTTPStatus.OK, {"status": "ok"})
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
        headers = [("Content-Type", content_type), ("X-Request-Id", request.request_id)]
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
        committed = self.template.path.parent / "docs" / "openapi.json"
        document = openapi_document(committed, self.functions.values())
        if document is None:
            return self._problem(
                request,
                HTTPStatus.NOT_FOUND,
                "docs/openapi.json does not exist and the functions describe no routes",
            )
        return self._json(request, HTTPStatus.OK, document)

    def _functions(self, request: IncomingRequest) -> Outcome:
        """Each function's environment variables and the DynamoDB they use, so that
        ``sessions-local invoke`` runs a function against this local API's data."""
        if not ipaddress.ip_address(request.source_ip).is_loopback:
            return self._problem(
                request, HTTPStatus.FORBIDDEN, "Function settings are only given to this machine"
            )
        return self._json(
            request,
            HTTPStatus.OK,
            {
                "region": self.settings.region,
                "dynamodbEndpoint": self.dynamodb_endpoint,
                "functions": {
                    name: function.variables for name, function in self.functions.items()
                },
            },
        )

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
        issued = self.token_pool.issue_id_token(username, ttl)
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


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


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


__all__ = ["GATEWAY", "LOCAL", "LocalApi", "Settings", "StartReport"]
