"""The local API: a started deployment's functions behind the gateway, and the local-only paths
(token, health, docs); everything ``sessions-local serve`` runs except the socket."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus

from botocore.exceptions import ClientError
from session_actions.http.envelope import REQUEST_ID_HEADER, cors_headers

import sessions_local
from sessions_local import AUTH_PATH, COGNITO_PATH, HEALTH_PATH, MAX_TOKEN_TTL_S, TOKEN_PATH
from sessions_local.aws.cognito_api import CONTENT_TYPE as COGNITO_JSON, CognitoApi
from sessions_local.deployment import LocalDeployment
from sessions_local.gateway import Authorizer, IncomingRequest, LocalGateway, Mock, Outcome
from sessions_local.gateway.docs import SWAGGER_PAGE, swagger_asset
from sessions_local.gateway.local_gateway import RouteTable, TokenVerifier, normalise
from sessions_local.gateway.responses import Cors, GatewayResponses, Rendered, problem
from sessions_local.gateway.server import LocalOrigins, canonical_origin
from sessions_local.runtimes.emulator import BuiltFunction
from sessions_local.runtimes.pool import FunctionFailed, LocalFunction, ProxyResponse
from sessions_local.stack import Resolver, ResponseSpec

log = logging.getLogger("sessions_local")

LOCAL = "local"  # what handled a request to a local-only path, for the log
NO_USER_POOL = "The template has no Cognito user-pool authorizer"
# What a browser page may read of the Cognito API's answers: what the AWS SDKs read.
COGNITO_EXPOSED = "x-amzn-requestid,x-amzn-errortype,x-amzn-errormessage,date"


class LocalApi:
    """``origins``: the browser origins named at start-up (loopback ones are always answered);
    ``host`` and ``port``: where the server listens (``url``), which the functions' events carry."""

    def __init__(
        self,
        deployment: LocalDeployment,
        origins: tuple[str, ...] = (),
        port: int = 0,
        host: str = "",
    ) -> None:
        self.deployment = deployment
        stack, resolver = deployment.stack, deployment.resolver
        emulator = deployment.emulator
        self.functions: dict[str, LocalFunction] = {
            # From source, a code change is served on the next request.
            name: BuiltFunction(f.spec, f.variables, emulator)
            if emulator is not None
            else LocalFunction(f.spec, f.variables, watch=True)
            for name, f in deployment.functions.items()
        }
        cors = Cors(allow_origin=resolver.parameters.get("AllowedOrigin", "*"))
        declared = {kind: _rendered(r, resolver) for kind, r in stack.gateway_responses.items()}
        self.responses = GatewayResponses(cors=cors, declared=declared)
        named = list(origins)
        # One the template's looser pattern admits but no browser sends matches nothing.
        with contextlib.suppress(ValueError):
            named.append(canonical_origin(cors.allow_origin))
        self.origins = LocalOrigins(tuple(dict.fromkeys(named)))
        authorizers = {}
        for name, spec in stack.authorizers.items():
            pool = deployment.pools[spec.user_pool]
            verifier = TokenVerifier(pool.issuer, pool.jwks)
            authorizers[name] = Authorizer(verifier, spec.header)
        mocks = {
            (normalise(m.path), m.method): Mock(
                _rendered(m.response, resolver), m.authorizer, m.scopes
            )
            for m in stack.mocks
        }
        self.gateway = LocalGateway(
            routes=RouteTable(stack.routes, [path for path, _ in mocks]),
            functions=self.functions,
            authorizers=authorizers,
            responses=self.responses,
            mocks=mocks,
            stage=stack.stage,
            binary_media_types=stack.binary_media_types,
            before_invoke=deployment.tables.ensure_quietly,
            port=port,
        )
        self.token_pool = next(iter(deployment.pools.values()), None)
        self.url = sessions_local.local_url(host, port)
        pools = list(deployment.pools.values())
        self.cognito = CognitoApi(deployment.aws.endpoint, deployment.settings.region, pools)

    def warm(self) -> None:
        """Start one environment per function, in the background; failures go to the log."""

        def warm(function: LocalFunction) -> None:
            try:
                function.warm()
            except FunctionFailed as failure:
                log.warning("warning: %s", failure)

        for function in self.functions.values():
            threading.Thread(target=warm, args=(function,)).start()

    def stop(self) -> None:
        for function in self.functions.values():
            function.stop()
        self.deployment.stop()

    def handle(self, request: IncomingRequest) -> Outcome:
        path = request.path
        if path == TOKEN_PATH:
            return self._token(request)
        if path in (COGNITO_PATH, COGNITO_PATH + "/"):
            return self._cognito(request)
        if request.method != "GET":
            return self.gateway.handle(request)
        if path == AUTH_PATH:
            return self._auth(request)
        if path == HEALTH_PATH:
            # Where its data is, so that `sessions-local invoke` can run against it.
            health = {"status": "ok", "dynamodbEndpoint": self.deployment.dynamodb_endpoint}
            return _ok(request, json.dumps(health).encode())
        if path in ("/docs", "/docs/"):
            return _ok(request, SWAGGER_PAGE.encode(), "text/html")
        if path == "/openapi.json":
            committed = self.deployment.settings.template.parent / "docs" / "openapi.json"
            if committed.is_file():
                return _ok(request, committed.read_bytes())
            detail = "docs/openapi.json does not exist: `make openapi` writes it"
            return self._problem(request, HTTPStatus.NOT_FOUND, detail)
        asset = swagger_asset(path.removeprefix("/docs/")) if path.startswith("/docs/") else None
        return self.gateway.handle(request) if asset is None else _ok(request, *asset)

    def _problem(self, request: IncomingRequest, status: HTTPStatus, detail: str) -> Outcome:
        response = problem(status, detail, request.request_id, self.responses.cors)
        return Outcome(response, LOCAL, detail)

    def sign_in_settings(self) -> dict[str, str] | None:
        """What a front end's Cognito SDK needs to sign in to the local pool (None: no pool)."""
        if self.token_pool is None:
            return None
        return {
            "region": self.deployment.settings.region,
            "userPoolId": self.token_pool.pool_id,
            "userPoolClientId": self.token_pool.client_ids[self.token_pool.default_client],
            "cognitoEndpoint": self.url + COGNITO_PATH,
        }

    def _auth(self, request: IncomingRequest) -> Outcome:
        auth = self.sign_in_settings()
        if auth is None:
            return self._problem(request, HTTPStatus.NOT_FOUND, NO_USER_POOL)
        cors = cors_headers(self.responses.cors.allow_origin)
        return _ok(request, json.dumps(auth).encode(), cors=cors)

    def _cognito(self, request: IncomingRequest) -> Outcome:
        """The local pools' Cognito API, for a page on an allowed browser origin too."""
        cors = cors_headers(self.responses.cors.allow_origin)
        cors["Access-Control-Expose-Headers"] = COGNITO_EXPOSED
        if request.method == "OPTIONS":
            asked = request.header("Access-Control-Request-Headers")
            cors |= {
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": asked or "Content-Type,X-Amz-Target",
                "Access-Control-Max-Age": "600",
            }
            return Outcome(ProxyResponse(204, list(cors.items()), b""), LOCAL)
        if request.method != "POST":
            return self._problem(request, HTTPStatus.METHOD_NOT_ALLOWED, "POST Cognito requests")
        # An administrator's call is taken from this machine and not from a browser page, which
        # could be any site's where every origin is allowed.
        administrator = _from_this_machine(request) and request.header("Origin") is None
        answer = self.cognito.call(request.header("X-Amz-Target"), request.body, administrator)
        ids = dict.fromkeys(("x-amzn-RequestId", REQUEST_ID_HEADER), request.request_id)
        headers = {"Content-Type": COGNITO_JSON, **ids, **cors}
        if answer.error_type:
            headers["x-amzn-ErrorType"] = answer.error_type
        note = " ".join(filter(None, ["cognito", answer.operation, answer.error_type]))
        response = ProxyResponse(answer.status, list(headers.items()), answer.body)
        return Outcome(response, LOCAL, note)

    def _token(self, request: IncomingRequest) -> Outcome:
        if request.method != "POST":
            return self._problem(request, HTTPStatus.METHOD_NOT_ALLOWED, "POST a username")
        if not _from_this_machine(request):
            detail = "Tokens are only issued to this machine"
            return self._problem(request, HTTPStatus.FORBIDDEN, detail)
        if self.token_pool is None:
            return self._problem(request, HTTPStatus.NOT_FOUND, NO_USER_POOL)
        try:
            asked = parse_token_request(request.body)
        except ValueError as error:
            return self._problem(request, HTTPStatus.BAD_REQUEST, str(error))
        try:
            issued = self.token_pool.issue_tokens(asked.username, asked.ttl, asked.scopes)
        except ClientError as error:  # a name the pool's sign-in rules refuse
            reason = error.response.get("Error", {}).get("Message", "refused")
            detail = f"The user pool refuses the user {asked.username}: {reason}"
            return self._problem(request, HTTPStatus.BAD_REQUEST, detail)
        except ValueError as error:  # scopes the pool or its app client does not allow
            return self._problem(request, HTTPStatus.BAD_REQUEST, str(error))
        tokens = {
            "accessToken": issued.access_token,
            "idToken": issued.id_token,
            "username": issued.username,
            "sub": issued.sub,
            "expiresIn": issued.expires_in,
            "scope": issued.scope,
        }
        return _ok(request, json.dumps(tokens).encode())


def _ok(
    request: IncomingRequest,
    body: bytes,
    content_type: str = "application/json",
    cors: Mapping[str, str] | None = None,
) -> Outcome:
    headers = [("Content-Type", content_type), (REQUEST_ID_HEADER, request.request_id)]
    return Outcome(ProxyResponse(200, [*headers, *(cors or {}).items()], body), LOCAL)


def _from_this_machine(request: IncomingRequest) -> bool:
    return ipaddress.ip_address(request.source_ip).is_loopback


def _rendered(response: ResponseSpec, resolver: Resolver) -> Rendered:
    resolved = {str(name): resolver.resolve(value) for name, value in response.headers.items()}
    # A header whose value is AWS::NoValue (an Fn::If branch) is not sent.
    headers = {name: str(value) for name, value in resolved.items() if value is not None}
    template = resolver.resolve(response.template)
    return Rendered(response.status, headers, None if template is None else str(template))


@dataclass(frozen=True)
class TokenRequest:
    username: str
    ttl: int | None  # None: the app client's validity
    scopes: tuple[str, ...] | None  # None: the scope of a user's own sign-in


def parse_token_request(body: bytes) -> TokenRequest:
    """What a token request asks for; ValueError says what is wrong."""
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValueError('Send a JSON object: {"username": "alice"}')
    username = data.get("username")
    if (
        not isinstance(username, str)
        or not 1 <= len(username) <= 128
        or any(ch.isspace() or not ch.isprintable() for ch in username)
    ):
        raise ValueError("username must be 1-128 printable characters without spaces")
    ttl = data.get("ttl")
    if ttl is not None and (type(ttl) is not int or not 1 <= ttl <= MAX_TOKEN_TTL_S):
        raise ValueError(f"ttl must be a whole number of seconds from 1 to {MAX_TOKEN_TTL_S}")
    scopes = data.get("scopes")
    if scopes is not None and (
        not isinstance(scopes, list)
        or not scopes
        or not all(isinstance(scope, str) and scope for scope in scopes)
    ):
        raise ValueError('scopes must be a non-empty list of scope names: ["sessions/read"]')
    return TokenRequest(username, ttl, None if scopes is None else tuple(scopes))
