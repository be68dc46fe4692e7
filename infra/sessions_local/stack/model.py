"""What the local API serves, read from AWS SAM's translation of the template.

SAM turns ``template.yaml`` into plain CloudFormation: each function an
``AWS::Lambda::Function`` (Globals merged, layers and environment as deployed), the API an
``AWS::ApiGateway::RestApi`` whose ``Body`` holds every route, its integration, its security,
mock integrations and gateway responses. This module reads that, and nothing of SAM's own
syntax. Values that depend on deployed resources (``!Ref SessionsTable``) stay intrinsics and
are resolved once the local resources exist (:meth:`Stack.resolver`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessions_local.stack.intrinsics import Resolver
from sessions_local.stack.translation import TemplateError, translate

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
LOCAL_BUCKET = "sessions-local"  # where sam_translation.py puts a local code folder
STACK_NAME = "sessions-local"
_SUB_NAME = re.compile(r"\$\{([^}!][^}]*)\}")
_ANY = "x-amazon-apigateway-any-method"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_uri: Path
    handler: str
    memory_mb: int
    timeout_s: int
    environment: Any  # unresolved: may hold intrinsics
    layers: tuple[Path, ...] = ()  # each layer's folder, in the function's order


@dataclass(frozen=True)
class RouteSpec:
    path: str  # as in the template: /sessions/{id}
    method: str  # upper case, or ANY
    function: str  # logical id
    authorizer: str | None  # None: no authorization
    scopes: tuple[str, ...] = ()  # OAuth scopes the method demands (any one of them)


@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    user_pool: str  # logical id of the AWS::Cognito::UserPool
    header: str = "Authorization"


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
    method: str
    response: ResponseSpec
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    properties: Mapping[str, Any]  # unresolved CloudFormation properties


@dataclass(frozen=True)
class UserPoolSpec:
    logical_id: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class ClientSpec:
    logical_id: str
    user_pool: str
    properties: Mapping[str, Any]


@dataclass(frozen=True)
class Stack:
    path: Path  # the template
    parameters: Mapping[str, str]  # defaults
    conditions: Mapping[str, Any]
    mappings: Mapping[str, Any]
    functions: Mapping[str, FunctionSpec]
    routes: tuple[RouteSpec, ...]
    authorizers: Mapping[str, AuthorizerSpec]
    stage: str
    binary_media_types: tuple[str, ...]
    tables: tuple[TableSpec, ...]
    user_pools: Mapping[str, UserPoolSpec]
    clients: tuple[ClientSpec, ...]
    gateway_responses: Mapping[str, ResponseSpec]
    mocks: tuple[MockSpec, ...]
    warnings: tuple[str, ...] = ()

    def resolver(
        self,
        region: str,
        overrides: Mapping[str, str] | None = None,
        physical_ids: Mapping[str, str] | None = None,
        attributes: Mapping[tuple[str, str], str] | None = None,
    ) -> Resolver:
        return Resolver(
            region=region,
            stack_name=STACK_NAME,
            parameters={**self.parameters, **(overrides or {})},
            physical_ids=physical_ids or {},
            attributes=attributes or {},
            conditions=self.conditions,
            mappings=self.mappings,
        )

    def clients_of(self, user_pool: str) -> list[ClientSpec]:
        return [client for client in self.clients if client.user_pool == user_pool]


def read_stack(template: Path, *, root: Path | None = None) -> Stack:
    """The template as SAM translates it (cached), read into what the local API serves.
    ``root`` is the project whose SAM CLI translates (default: the template's)."""
    translated = translate(template, root=root)["translated"]
    return _Reader(template.resolve(), translated).stack()


def _parameter_defaults(document: Mapping[str, Any]) -> dict[str, str]:
    parameters: dict[str, str] = {}
    for name, spec in (document.get("Parameters") or {}).items():
        if isinstance(spec, dict) and "Default" in spec:
            default = spec["Default"]
            parameters[name] = ",".join(default) if isinstance(default, list) else str(default)
    return parameters


def _refs_in(value: Any) -> list[str]:
    """Every logical id a value refers to (``Ref``, ``Fn::GetAtt``), ``Fn::If`` branches too."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return [str(value["Ref"])]
        if set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            return [str(target[0] if isinstance(target, list) else target.split(".")[0])]
        return [ref for item in value.values() for ref in _refs_in(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs_in(item)]
    return []


def _sub_names(value: Any) -> list[str]:
    """The resource names a ``Fn::Sub`` string refers to (``${X}``, ``${X.Arn}``)."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text = value["Fn::Sub"]
        text = text[0] if isinstance(text, list) else text
        return [name.split(".")[0] for name in _SUB_NAME.findall(str(text))]
    return _refs_in(value)


def _response(status: Any, parameters: Any, templates: Any, prefix: str) -> ResponseSpec:
    templates = templates or {}
    return ResponseSpec(
        status=int(status),
        headers={
            name.removeprefix(prefix): value
            for name, value in (parameters or {}).items()
            if name.startswith(prefix)
        },
        template=templates.get("application/json", next(iter(templates.values()), None)),
    )


class _Reader:
    def __init__(self, path: Path, document: Mapping[str, Any]) -> None:
        self.path = path
        self.root = path.parent
        self.document = document
        self.resources: Mapping[str, Any] = document.get("Resources") or {}
        self.parameters = _parameter_defaults(document)
        self.warnings: list[str] = []
        self._defaults = Resolver(
            region="us-east-1",
            stack_name=STACK_NAME,
            parameters=self.parameters,
            conditions=document.get("Conditions") or {},
            mappings=document.get("Mappings") or {},
        )

    def of_type(self, kind: str) -> dict[str, Mapping[str, Any]]:
        """Resources of one type whose condition holds with the parameters' defaults."""
        found = {}
        for logical_id, resource in self.resources.items():
            condition = resource.get("Condition")
            if resource.get("Type") != kind:
                continue
            if condition is None or self._defaults.condition(str(condition)):
                found[logical_id] = resource.get("Properties") or {}
        return found

    def local_folder(self, location: Any) -> Path | None:
        if isinstance(location, dict) and location.get("S3Bucket") == LOCAL_BUCKET:
            return (self.root / str(location["S3Key"])).resolve()
        return None

    def function(self, logical_id: str, properties: Mapping[str, Any]) -> FunctionSpec | None:
        code = self.local_folder(properties.get("Code"))
        if code is None:
            self.warnings.append(f"{logical_id}: its code is not a local folder; not served")
            return None
        layers = []
        layer_versions = self.of_type("AWS::Lambda::LayerVersion")
        for layer in properties.get("Layers") or []:
            refs = [ref for ref in _refs_in(layer) if ref in layer_versions]
            folder = self.local_folder(layer_versions[refs[0]].get("Content")) if refs else None
            if folder is None:
                self.warnings.append(
                    f"{logical_id}: a layer not built from this template is left out"
                )
            else:
                layers.append(folder)
        return FunctionSpec(
            logical_id=logical_id,
            code_uri=code,
            handler=str(properties.get("Handler")),
            memory_mb=int(self._defaults.resolve(properties.get("MemorySize", 128))),
            timeout_s=int(self._defaults.resolve(properties.get("Timeout", 3))),
            environment=(properties.get("Environment") or {}).get("Variables") or {},
            layers=tuple(layers),
        )

    def integration_target(self, uri: Any) -> str | None:
        """The function an ``aws_proxy`` integration invokes (through its alias, maybe)."""
        for name in _sub_names(uri):
            resource = self.resources.get(name) or {}
            if resource.get("Type") == "AWS::Lambda::Function":
                return name
            if resource.get("Type") == "AWS::Lambda::Alias":
                targets = _refs_in((resource.get("Properties") or {}).get("FunctionName"))
                return targets[0] if targets else None
        return None

    def authorizers(self, body: Mapping[str, Any]) -> dict[str, AuthorizerSpec]:
        schemes = (
            (body.get("components") or {}).get("securitySchemes")
            or body.get("securityDefinitions")
            or {}
        )
        pools = self.of_type("AWS::Cognito::UserPool")
        found = {}
        for name, scheme in schemes.items():
            authorizer = scheme.get("x-amazon-apigateway-authorizer") or {}
            candidates = [ref for ref in _refs_in(authorizer.get("providerARNs")) if ref in pools]
            if authorizer.get("type") != "cognito_user_pools" or not candidates:
                self.warnings.append(
                    f"authorizer {name} is not a Cognito user pool of this stack: not served"
                )
                continue
            found[name] = AuthorizerSpec(
                name, candidates[0], str(scheme.get("name") or "Authorization")
            )
        return found

    def stack(self) -> Stack:
        functions = {}
        for logical_id, properties in self.of_type("AWS::Lambda::Function").items():
            spec = self.function(logical_id, properties)
            if spec is not None:
                functions[logical_id] = spec
        apis = self.of_type("AWS::ApiGateway::RestApi")
        if len(apis) > 1:
            self.warnings.append(f"the routes of {len(apis)} APIs are served on one port")
        routes: list[RouteSpec] = []
        mocks: list[MockSpec] = []
        authorizers: dict[str, AuthorizerSpec] = {}
        responses: dict[str, ResponseSpec] = {}
        binary: list[str] = []
        for api in apis.values():
            body = api.get("Body") or {}
            authorizers.update(self.authorizers(body))
            # The property escapes "/" as "~1"; the Body has them as clients send them.
            binary.extend(body.get("x-amazon-apigateway-binary-media-types") or [])
            binary.extend(
                str(kind).replace("~1", "/") for kind in api.get("BinaryMediaTypes") or []
            )
            for kind, spec in (body.get("x-amazon-apigateway-gateway-responses") or {}).items():
                responses[kind] = _response(
                    spec.get("statusCode"),
                    spec.get("responseParameters"),
                    spec.get("responseTemplates"),
                    "gatewayresponse.header.",
                )
            for path, operations in (body.get("paths") or {}).items():
                for key, operation in (operations or {}).items():
                    method = "ANY" if key == _ANY else str(key).upper()
                    if method not in (*HTTP_METHODS, "ANY"):
                        continue
                    security = [
                        (name, tuple(scopes or ()))
                        for entry in operation.get("security") or []
                        for name, scopes in entry.items()
                        if name in authorizers
                    ]
                    authorizer, scopes = security[0] if security else (None, ())
                    integration = operation.get("x-amazon-apigateway-integration") or {}
                    if integration.get("type") == "mock":
                        default = (integration.get("responses") or {}).get("default") or {}
                        response = _response(
                            default.get("statusCode", 200),
                            default.get("responseParameters"),
                            default.get("responseTemplates"),
                            "method.response.header.",
                        )
                        mocks.append(MockSpec(str(path), method, response, authorizer, scopes))
                    elif integration.get("type") == "aws_proxy":
                        target = self.integration_target(integration.get("uri"))
                        if target in functions:
                            routes.append(RouteSpec(str(path), method, target, authorizer, scopes))
                        else:
                            self.warnings.append(f"{method} {path}: its function is not served")
        for resource in self.of_type("AWS::ApiGateway::GatewayResponse").values():
            responses[str(resource.get("ResponseType"))] = _response(
                resource.get("StatusCode") or 0,
                resource.get("ResponseParameters"),
                resource.get("ResponseTemplates"),
                "gatewayresponse.header.",
            )
        stages = [
            str(self._defaults.resolve(stage.get("StageName")))
            for stage in self.of_type("AWS::ApiGateway::Stage").values()
        ]
        pools = self.of_type("AWS::Cognito::UserPool")
        clients = [
            ClientSpec(logical_id, pool, properties)
            for logical_id, properties in self.of_type("AWS::Cognito::UserPoolClient").items()
            for pool in _refs_in(properties.get("UserPoolId"))[:1]
        ]
        return Stack(
            path=self.path,
            parameters=self.parameters,
            conditions=self.document.get("Conditions") or {},
            mappings=self.document.get("Mappings") or {},
            functions=functions,
            routes=tuple(routes),
            authorizers=authorizers,
            stage=stages[0] if stages else "Prod",
            binary_media_types=tuple(dict.fromkeys(str(item) for item in binary)),
            tables=tuple(
                TableSpec(logical_id, properties)
                for logical_id, properties in self.of_type("AWS::DynamoDB::Table").items()
            ),
            user_pools={
                logical_id: UserPoolSpec(logical_id, properties)
                for logical_id, properties in pools.items()
            },
            clients=tuple(clients),
            gateway_responses=responses,
            mocks=tuple(mocks),
            warnings=tuple(self.warnings),
        )


__all__ = [
    "AuthorizerSpec",
    "ClientSpec",
    "FunctionSpec",
    "MockSpec",
    "ResponseSpec",
    "RouteSpec",
    "Stack",
    "TableSpec",
    "TemplateError",
    "UserPoolSpec",
    "read_stack",
]
