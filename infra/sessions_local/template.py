"""What the local API needs from ``template.yaml``, read the way SAM reads it.

Routes come from every ``AWS::Serverless::Function``'s ``Api`` events (``Path``, ``Method``,
``Auth``), merged with ``Globals``; tables from ``AWS::DynamoDB::Table`` (and
``AWS::Serverless::SimpleTable``); the user pool and app clients from the API's Cognito
authorizer. Values that depend on deployed resources (``!Ref SessionsTable``) are resolved
later, once the local resources exist, by :meth:`LocalTemplate.resolver`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sessions_local.cfn_yaml import TemplateError, load_template
from sessions_local.intrinsics import Resolver

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_S = 3
DEFAULT_STAGE = "Prod"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    memory_mb: int
    timeout_s: int
    environment: Mapping[str, Any]  # unresolved: may hold intrinsics


@dataclass(frozen=True)
class RouteSpec:
    path: str  # as in the template: /sessions/{id}
    method: str  # upper case, or ANY
    function: str  # logical id
    authorizer: str | None  # None: no authorization (Auth: Authorizer: NONE)


@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    user_pool: str  # logical id of the AWS::Cognito::UserPool
    header: str = "Authorization"


@dataclass(frozen=True)
class CorsSpec:
    allow_origin: Any  # unresolved
    allow_headers: str | None
    allow_methods: str | None
    max_age: str | None
    allow_credentials: bool


@dataclass(frozen=True)
class ResponseSpec:
    """A response API Gateway makes itself: a gateway response, or a mock integration's.

    ``headers`` map a header to a mapping expression (``'text'`` or ``context.requestId``);
    ``template`` is the ``application/json`` mapping template; both may still hold intrinsics.
    """

    status: int
    headers: Mapping[str, Any]
    template: Any


@dataclass(frozen=True)
class MockSpec:
    path: str
    method: str  # upper case, or ANY
    response: ResponseSpec
    authorizer: str | None = None  # SAM gives DefinitionBody methods the default authorizer


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    properties: Mapping[str, Any]  # unresolved CloudFormation properties
    simple: bool = False


@dataclass(frozen=True)
class ClientSpec:
    logical_id: str
    user_pool: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class UserPoolSpec:
    logical_id: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class LocalTemplate:
    path: Path
    parameters: Mapping[str, str]  # defaults
    conditions: Mapping[str, Any]
    mappings: Mapping[str, Any]
    functions: Mapping[str, FunctionSpec]
    routes: tuple[RouteSpec, ...]
    authorizers: Mapping[str, AuthorizerSpec]
    cors: CorsSpec | None
    stage: str
    binary_media_types: tuple[str, ...]
    tables: tuple[TableSpec, ...]
    user_pools: Mapping[str, UserPoolSpec]
    clients: tuple[ClientSpec, ...]
    gateway_responses: Mapping[str, ResponseSpec] = field(default_factory=dict)
    mocks: tuple[MockSpec, ...] = field(default=())
    warnings: tuple[str, ...] = field(default=())

    def resolver(
        self,
        region: str,
        overrides: Mapping[str, str] | None = None,
        physical_ids: Mapping[str, str] | None = None,
        attributes: Mapping[tuple[str, str], str] | None = None,
    ) -> Resolver:
        return Resolver(
            region=region,
            stack_name="sessions-local",
            parameters={**self.parameters, **(overrides or {})},
            physical_ids=physical_ids or {},
            attributes=attributes or {},
            conditions=self.conditions,
            mappings=self.mappings,
        )

    def clients_of(self, user_pool: str) -> list[ClientSpec]:
        return [client for client in self.clients if client.user_pool == user_pool]


def _merge(base: Any, override: Any) -> Any:
    """SAM's Globals merge: maps merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return copy.deepcopy(override)


def _logical_ref(value: Any) -> str | None:
    """The logical id a ``!Ref X`` or ``!GetAtt X.Attr`` points at."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            return str(argument)
        if key == "Fn::GetAtt":
            return str(argument[0] if isinstance(argument, list) else argument.split(".")[0])
        if key == "Fn::Sub" and isinstance(argument, str) and argument.startswith("${"):
            return argument[2:].split(".")[0].split("}")[0]
    return None


def _unquote(value: Any) -> Any:
    """SAM's Cors values are quoted strings ("'GET,POST'"); intrinsics stay as they are."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return value


def _parameter_defaults(document: Mapping[str, Any]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, spec in (document.get("Parameters") or {}).items():
        if isinstance(spec, dict) and "Default" in spec:
            default = spec["Default"]
            parameters[name] = ",".join(default) if isinstance(default, list) else str(default)
    return parameters


def _function_spec(
    root: Path, logical_id: str, properties: Mapping[str, Any], parameters: Mapping[str, str]
) -> FunctionSpec:
    code_uri = properties.get("CodeUri")
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: the local API needs a CodeUri that is a local path")
    handler = properties.get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise TemplateError(f"{logical_id}: Handler must look like module.function")
    environment = (properties.get("Environment") or {}).get("Variables") or {}

    def number(name: str, default: int) -> int:
        value = properties.get(name, default)
        if isinstance(value, dict) and "Ref" in value:
            value = parameters.get(str(value["Ref"]), default)
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    return FunctionSpec(
        logical_id=logical_id,
        code_uri=(root / code_uri).resolve(),
        handler=handler,
        memory_mb=number("MemorySize", DEFAULT_MEMORY_MB),
        timeout_s=number("Timeout", DEFAULT_TIMEOUT_S),
        environment=dict(environment),
    )


def _routes_of(
    logical_id: str,
    properties: Mapping[str, Any],
    apis: Mapping[str, Mapping[str, Any]],
    warnings: list[str],
) -> list[RouteSpec]:
    routes = []
    for event_name, event in (properties.get("Events") or {}).items():
        if not isinstance(event, dict) or event.get("Type") != "Api":
            continue
        spec = event.get("Properties") or {}
        path, method = spec.get("Path"), spec.get("Method")
        if not isinstance(path, str) or not isinstance(method, str):
            warnings.append(f"{logical_id}.{event_name}: Api event without Path and Method")
            continue
        api_id = _logical_ref(spec.get("RestApiId")) or "ServerlessRestApi"
        api = apis.get(api_id, {})
        default = ((api.get("Auth") or {}).get("DefaultAuthorizer")) or None
        authorizer = ((spec.get("Auth") or {}).get("Authorizer")) or default
        if authorizer in ("NONE", None):
            authorizer = None
        method = method.upper()
        if method != "ANY" and method not in HTTP_METHODS:
            warnings.append(f"{logical_id}.{event_name}: unknown method {method}")
            continue
        routes.append(
            RouteSpec(path=path, method=method, function=logical_id, authorizer=authorizer)
        )
    return routes


def _refs_in(value: Any) -> list[str]:
    """Every logical id a value refers to, branches of ``Fn::If`` included."""
    direct = _logical_ref(value)
    if direct is not None:
        return [direct]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _refs_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs_in(item)]
    return []


def _authorizers_of(
    api: Mapping[str, Any], user_pools: Iterable[str], warnings: list[str]
) -> dict[str, AuthorizerSpec]:
    found = {}
    pools = set(user_pools)
    for name, spec in ((api.get("Auth") or {}).get("Authorizers") or {}).items():
        candidates = [ref for ref in _refs_in((spec or {}).get("UserPoolArn")) if ref in pools]
        user_pool = candidates[0] if candidates else None
        if user_pool is None:
            warnings.append(f"authorizer {name} is not a Cognito user-pool authorizer: not served")
            continue
        header = ((spec.get("Identity") or {}).get("Header")) or "Authorization"
        found[name] = AuthorizerSpec(name=name, user_pool=user_pool, header=str(header))
    return found


def _cors_of(api: Mapping[str, Any]) -> CorsSpec | None:
    cors = api.get("Cors")
    if cors is None:
        return None
    if not isinstance(cors, dict) or set(cors) == {"Fn::Sub"} or set(cors) == {"Ref"}:
        return CorsSpec(_unquote(cors), None, None, None, allow_credentials=False)

    def text(name: str) -> str | None:
        value = _unquote(cors.get(name))
        return None if value is None else str(value)

    return CorsSpec(
        allow_origin=_unquote(cors.get("AllowOrigin")),
        allow_headers=text("AllowHeaders"),
        allow_methods=text("AllowMethods"),
        max_age=text("MaxAge"),
        allow_credentials=bool(cors.get("AllowCredentials")),
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _gateway_responses_of(api: Mapping[str, Any]) -> dict[str, ResponseSpec]:
    found = {}
    for kind, spec in (api.get("GatewayResponses") or {}).items():
        if not isinstance(spec, dict):
            continue
        templates = spec.get("ResponseTemplates") or {}
        found[str(kind)] = ResponseSpec(
            status=_int(spec.get("StatusCode"), 0),
            headers=dict((spec.get("ResponseParameters") or {}).get("Headers") or {}),
            template=templates.get("application/json", next(iter(templates.values()), None)),
        )
    return found


def _operation_authorizer(operation: Mapping[str, Any], method: str, api: Mapping[str, Any]) -> Any:
    """The authorizer SAM puts on a DefinitionBody method: its own ``security``, else the
    API's default (not on OPTIONS unless AddDefaultAuthorizerToCorsPreflight)."""
    auth = api.get("Auth") or {}
    if "security" in operation:
        names = [name for entry in operation["security"] or [] for name in entry]
        return names[0] if names else None
    if method == "OPTIONS" and not auth.get("AddDefaultAuthorizerToCorsPreflight", True):
        return None
    default = auth.get("DefaultAuthorizer")
    return None if default in (None, "NONE") else default


def _definition_paths(
    api: Mapping[str, Any], functions: Mapping[str, Any], warnings: list[str]
) -> tuple[list[MockSpec], list[RouteSpec]]:
    """Mock integrations and Lambda proxy integrations written in the API's DefinitionBody."""
    mocks: list[MockSpec] = []
    proxies: list[RouteSpec] = []
    body = api.get("DefinitionBody")
    if not isinstance(body, dict):
        return mocks, proxies
    header_prefix = "method.response.header."
    for path, operations in (body.get("paths") or {}).items():
        for key, operation in (operations or {}).items():
            method = "ANY" if key == "x-amazon-apigateway-any-method" else str(key).upper()
            if method != "ANY" and method not in HTTP_METHODS:
                continue
            integration = (operation or {}).get("x-amazon-apigateway-integration") or {}
            if integration.get("type") == "mock":
                default = (integration.get("responses") or {}).get("default") or {}
                parameters = default.get("responseParameters") or {}
                templates = default.get("responseTemplates") or {}
                response = ResponseSpec(
                    status=_int(default.get("statusCode"), 200),
                    headers={
                        name.removeprefix(header_prefix): value
                        for name, value in parameters.items()
                        if name.startswith(header_prefix)
                    },
                    template=templates.get("application/json"),
                )
                authorizer = _operation_authorizer(operation, method, api)
                mocks.append(MockSpec(str(path), method, response, authorizer))
            elif integration.get("type") == "aws_proxy":
                target = _logical_ref(integration.get("uri"))
                if target is not None and target in functions:
                    authorizer = _operation_authorizer(operation, method, api)
                    proxies.append(RouteSpec(str(path), method, target, authorizer))
                else:
                    warnings.append(f"{method} {path}: proxy integration to an unknown function")
    return mocks, proxies


def read_template(path: Path) -> LocalTemplate:
    document = load_template(path)
    resources = document.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError(f"{path} has no Resources")
    global_sections = document.get("Globals") or {}
    function_globals = global_sections.get("Function") or {}
    api_globals = global_sections.get("Api") or {}
    parameters = _parameter_defaults(document)
    warnings: list[str] = []

    apis: dict[str, dict[str, Any]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Serverless::Api":
            apis[logical_id] = _merge(api_globals, resource.get("Properties") or {})
    if not apis:
        apis["ServerlessRestApi"] = dict(api_globals)

    functions: dict[str, FunctionSpec] = {}
    routes: list[RouteSpec] = []
    tables: list[TableSpec] = []
    user_pools: dict[str, UserPoolSpec] = {}
    clients: list[ClientSpec] = []
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Function":
            merged = _merge(function_globals, properties)
            function_routes = _routes_of(logical_id, merged, apis, warnings)
            if function_routes:
                functions[logical_id] = _function_spec(path.parent, logical_id, merged, parameters)
                routes.extend(function_routes)
        elif kind == "AWS::DynamoDB::Table":
            tables.append(TableSpec(logical_id, properties))
        elif kind == "AWS::Serverless::SimpleTable":
            tables.append(TableSpec(logical_id, properties, simple=True))
        elif kind == "AWS::Cognito::UserPool":
            user_pools[logical_id] = UserPoolSpec(logical_id, properties)
        elif kind == "AWS::Cognito::UserPoolClient":
            pool = _logical_ref(properties.get("UserPoolId"))
            if pool is not None:
                clients.append(ClientSpec(logical_id, pool, properties))

    used_apis = _api_ids_in(resources)
    if len(used_apis) > 1:
        warnings.append(
            f"routes of several APIs ({', '.join(sorted(used_apis))}) are served on one port"
        )
    authorizers: dict[str, AuthorizerSpec] = {}
    cors: CorsSpec | None = None
    binary: list[str] = []
    stage = DEFAULT_STAGE
    gateway_responses: dict[str, ResponseSpec] = {}
    mocks: list[MockSpec] = []
    for api in apis.values():
        authorizers.update(_authorizers_of(api, user_pools, warnings))
        gateway_responses.update(_gateway_responses_of(api))
        api_mocks, proxies = _definition_paths(api, resources, warnings)
        mocks.extend(api_mocks)
        for proxy in proxies:
            if proxy.function not in functions:
                properties = resources[proxy.function].get("Properties") or {}
                merged = _merge(function_globals, properties)
                functions[proxy.function] = _function_spec(
                    path.parent, proxy.function, merged, parameters
                )
            routes.append(proxy)
        cors = cors or _cors_of(api)
        binary.extend(str(item) for item in api.get("BinaryMediaTypes") or [])
        stage_name = api.get("StageName")
        if isinstance(stage_name, dict) and "Ref" in stage_name:
            stage_name = parameters.get(str(stage_name["Ref"]))
        if isinstance(stage_name, str):
            stage = stage_name
    for mock in mocks:
        if mock.authorizer is not None and mock.authorizer not in authorizers:
            raise TemplateError(
                f"{mock.method} {mock.path} names the authorizer {mock.authorizer}, "
                "which is not a Cognito user-pool authorizer of its API"
            )
    for route in routes:
        if route.authorizer is not None and route.authorizer not in authorizers:
            raise TemplateError(
                f"{route.function}: {route.method} {route.path} names the authorizer "
                f"{route.authorizer}, which is not a Cognito user-pool authorizer of its API"
            )
    return LocalTemplate(
        path=path,
        parameters=parameters,
        conditions=document.get("Conditions") or {},
        mappings=document.get("Mappings") or {},
        functions=functions,
        routes=tuple(routes),
        authorizers=authorizers,
        cors=cors,
        stage=stage,
        binary_media_types=tuple(binary),
        tables=tuple(tables),
        user_pools=user_pools,
        clients=tuple(clients),
        gateway_responses=gateway_responses,
        mocks=tuple(mocks),
        warnings=tuple(warnings),
    )


def _api_ids_in(resources: Mapping[str, Any]) -> set[str]:
    ids = set()
    for resource in resources.values():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if isinstance(event, dict) and event.get("Type") == "Api":
                api = _logical_ref((event.get("Properties") or {}).get("RestApiId"))
                ids.add(api or "ServerlessRestApi")
    return ids


def find_template(start: Path) -> Path:
    """``template.yaml`` in ``start`` or the nearest folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / "template.yaml"
        if candidate.is_file():
            return candidate
    raise TemplateError(f"no template.yaml in {start} or any folder above it")
