"""What the local API serves, read from AWS SAM's translation of the template: plain CloudFormation
whose one API's ``Body`` holds every route. Values that depend on local resources
(``!Ref SessionsTable``) stay intrinsics until those exist (:meth:`Stack.resolver`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessions_local.stack.intrinsics import Resolver, TemplateError

SCRIPT = Path(__file__).with_name("sam_translation.py")
SAM = Path(".tools") / "sam"  # the project's pinned SAM CLI, under its project root
SAM_PINS = Path("infra") / "tools" / "sam.txt"  # its version and its dependencies'
# The SAM CLI needs no account: a fixed region, no telemetry, no instance-metadata lookup.
SAM_OFFLINE = {
    "SAM_CLI_TELEMETRY": "0",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
PROJECT = Path(__file__).resolve().parents[3]  # the project this package belongs to
_SUB_NAME = re.compile(r"\$\{([^}!][^}]*)\}")


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
    path: str  # as in the template: /things/{id}
    method: str  # upper case, or ANY
    function: str  # logical id
    authorizer: str | None  # None: no authorization
    scopes: tuple[str, ...] = ()  # OAuth scopes the method accepts (any one of them)


@dataclass(frozen=True)
class AuthorizerSpec:
    user_pool: str  # logical id of the AWS::Cognito::UserPool
    header: str


@dataclass(frozen=True)
class ResponseSpec:  # one API Gateway makes itself: a gateway response, a mock's
    status: int
    headers: Mapping[str, Any]  # mapping expressions ('text', context.requestId)
    template: Any  # the JSON mapping template; both maybe still holding intrinsics


@dataclass(frozen=True)
class MockSpec:
    path: str
    method: str
    response: ResponseSpec
    authorizer: str | None
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class ResourceSpec:
    logical_id: str
    properties: Mapping[str, Any]  # unresolved CloudFormation properties


TableSpec = ResourceSpec
UserPoolSpec = ResourceSpec


@dataclass(frozen=True)
class PoolResourceSpec:  # an app client or resource server of one user pool
    logical_id: str
    user_pool: str  # logical id of the AWS::Cognito::UserPool
    properties: Mapping[str, Any]


ClientSpec = PoolResourceSpec
ResourceServerSpec = PoolResourceSpec


@dataclass(frozen=True)
class Stack:
    path: Path  # the template
    parameters: Mapping[str, str]  # defaults
    conditions: Mapping[str, Any]
    functions: Mapping[str, FunctionSpec]
    routes: tuple[RouteSpec, ...]
    authorizers: Mapping[str, AuthorizerSpec]
    stage: str
    binary_media_types: tuple[str, ...]
    tables: tuple[TableSpec, ...]
    user_pools: Mapping[str, UserPoolSpec]
    clients: tuple[ClientSpec, ...]
    resource_servers: tuple[ResourceServerSpec, ...]
    gateway_responses: Mapping[str, ResponseSpec]
    mocks: tuple[MockSpec, ...]

    def resolver(
        self,
        region: str,
        overrides: Mapping[str, str] | None = None,
        physical_ids: Mapping[str, str] | None = None,
        attributes: Mapping[tuple[str, str], str] | None = None,
    ) -> Resolver:
        return Resolver(
            region,
            parameters={**self.parameters, **(overrides or {})},
            physical_ids=physical_ids or {},
            attributes=attributes or {},
            conditions=self.conditions,
        )

    def clients_of(self, user_pool: str) -> list[ClientSpec]:
        return [client for client in self.clients if client.user_pool == user_pool]

    def resource_servers_of(self, user_pool: str) -> list[ResourceServerSpec]:
        return [server for server in self.resource_servers if server.user_pool == user_pool]


def project_root(template: Path) -> Path:
    """The nearest folder from the template's up (else this package's project) with the SAM CLI."""
    for folder in (template.parent, *template.parent.parents, PROJECT):
        if all((folder / path).exists() for path in (SAM / "bin" / "python", SAM_PINS)):
            return folder
    raise TemplateError(f"the SAM CLI is not installed beside {template.name}: run `make setup`")


def translate(template: Path) -> dict[str, Any]:
    """``{"expanded": <SAM template>, "translated": <CloudFormation>}`` for ``template``."""
    template = template.resolve()
    try:
        text = template.read_bytes()
    except OSError as error:
        raise TemplateError(f"cannot read {template}: {error.strerror}") from error
    root = project_root(template)
    inputs = b"\0".join([text, SCRIPT.read_bytes(), (root / SAM_PINS).read_bytes()])
    digest = hashlib.sha256(inputs).hexdigest()[:32]
    cached = root / ".aws-sam" / "local" / f"translation-{digest}.json"
    if not cached.is_file():
        done = subprocess.run(  # noqa: S603 - the project's pinned SAM CLI
            [str(root / SAM / "bin" / "python"), str(SCRIPT), str(template)],
            capture_output=True,
            text=True,
            env=os.environ | SAM_OFFLINE,
            check=False,
        )
        if done.returncode != 0:
            raise TemplateError(f"AWS SAM cannot translate {template.name}: {done.stderr.strip()}")
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")  # readers never see half a file
        partial.write_text(done.stdout, encoding="utf-8")
        partial.replace(cached)
    translation: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
    return translation


def _refs_in(value: Any) -> list[str]:
    """Every logical id a value names with ``Ref``, ``Fn::GetAtt`` or in a ``Fn::Sub``."""
    if isinstance(value, list):
        return [ref for item in value for ref in _refs_in(item)]
    if not isinstance(value, dict):
        return []
    if set(value) == {"Ref"}:
        return [str(value["Ref"])]
    if set(value) == {"Fn::GetAtt"}:
        return [str(value["Fn::GetAtt"][0])]
    if set(value) == {"Fn::Sub"}:
        return [name.split(".")[0] for name in _SUB_NAME.findall(str(value["Fn::Sub"]))]
    return [ref for item in value.values() for ref in _refs_in(item)]


def _response(spec: Mapping[str, Any], prefix: str) -> ResponseSpec:
    return ResponseSpec(
        status=int(spec["statusCode"]),
        headers={
            name.removeprefix(prefix): value
            for name, value in (spec.get("responseParameters") or {}).items()
            if name.startswith(prefix)
        },
        template=(spec.get("responseTemplates") or {}).get("application/json"),
    )


def _security(
    operation: Mapping[str, Any], authorizers: Mapping[str, AuthorizerSpec]
) -> tuple[str | None, tuple[str, ...]]:
    """The authorizer a method's ``security`` names, and the scopes it accepts."""
    for entry in operation.get("security") or []:
        for name, scopes in entry.items():
            if name in authorizers:
                return name, tuple(scopes or ())
    return None, ()


def read_stack(template: Path) -> Stack:
    template = template.resolve()
    document = translate(template)["translated"]
    resources: Mapping[str, Any] = document.get("Resources") or {}
    parameters = {
        name: str(spec["Default"])
        for name, spec in (document.get("Parameters") or {}).items()
        if "Default" in spec
    }
    conditions = document.get("Conditions") or {}
    defaults = Resolver("us-east-1", parameters=parameters, conditions=conditions)

    def of_type(kind: str) -> dict[str, Mapping[str, Any]]:
        """Resources of one type whose condition holds with the parameters' defaults."""
        return {
            logical_id: resource.get("Properties") or {}
            for logical_id, resource in resources.items()
            if resource.get("Type") == kind
            and ("Condition" not in resource or defaults.condition(str(resource["Condition"])))
        }

    def of_pool(kind: str) -> tuple[PoolResourceSpec, ...]:
        """Those of ``kind`` that belong to a pool of the template (not to an existing one)."""
        return tuple(
            PoolResourceSpec(logical_id, pool, properties)
            for logical_id, properties in of_type(kind).items()
            for pool in [next((r for r in _refs_in(properties["UserPoolId"]) if r in pools), "")]
            if pool
        )

    def local_folder(location: Mapping[str, Any]) -> Path:
        # sam_translation.py turned each local folder into s3://sessions-local/<folder>.
        return (template.parent / str(location["S3Key"])).resolve()

    layers = {
        logical_id: local_folder(properties["Content"])
        for logical_id, properties in of_type("AWS::Lambda::LayerVersion").items()
    }
    functions = {
        logical_id: FunctionSpec(
            logical_id,
            local_folder(properties["Code"]),
            str(properties["Handler"]),
            memory_mb=int(defaults.resolve(properties.get("MemorySize", 128))),
            timeout_s=int(defaults.resolve(properties.get("Timeout", 3))),
            environment=(properties.get("Environment") or {}).get("Variables") or {},
            layers=tuple(layers[layer["Ref"]] for layer in properties.get("Layers") or []),
        )
        for logical_id, properties in of_type("AWS::Lambda::Function").items()
    }

    def invoked_function(uri: Any) -> str:
        """The function an ``aws_proxy`` integration invokes, maybe through its alias."""
        name = next(name for name in _refs_in(uri) if name in resources)
        if resources[name]["Type"] == "AWS::Lambda::Alias":
            return str(resources[name]["Properties"]["FunctionName"]["Ref"])
        return name

    pools = of_type("AWS::Cognito::UserPool")
    body = next(iter(of_type("AWS::ApiGateway::RestApi").values()), {}).get("Body") or {}
    # OpenAPI 3 (template.yaml's own definition) or Swagger 2 (what SAM writes from events).
    schemes = (body.get("components") or {}).get("securitySchemes")
    authorizers = {}
    for name, scheme in (schemes or body.get("securityDefinitions") or {}).items():
        arns = scheme["x-amazon-apigateway-authorizer"]["providerARNs"]
        pool = next(ref for ref in _refs_in(arns) if ref in pools)
        authorizers[name] = AuthorizerSpec(pool, str(scheme["name"]))
    routes: list[RouteSpec] = []
    mocks: list[MockSpec] = []
    for path, operations in (body.get("paths") or {}).items():
        for key, operation in operations.items():
            method = "ANY" if key == "x-amazon-apigateway-any-method" else key.upper()
            name, scopes = _security(operation, authorizers)
            integration = operation["x-amazon-apigateway-integration"]
            if integration["type"] == "mock":
                response = _response(integration["responses"]["default"], "method.response.header.")
                mocks.append(MockSpec(path, method, response, name, scopes))
            else:
                function = invoked_function(integration["uri"])
                routes.append(RouteSpec(path, method, function, name, scopes))
    responses = body.get("x-amazon-apigateway-gateway-responses") or {}
    stages = of_type("AWS::ApiGateway::Stage").values()
    return Stack(
        path=template,
        parameters=parameters,
        conditions=conditions,
        functions=functions,
        routes=tuple(routes),
        authorizers=authorizers,
        stage=next((str(defaults.resolve(stage.get("StageName"))) for stage in stages), "Prod"),
        binary_media_types=tuple(body.get("x-amazon-apigateway-binary-media-types") or ()),
        tables=tuple(TableSpec(*table) for table in of_type("AWS::DynamoDB::Table").items()),
        user_pools={name: UserPoolSpec(name, properties) for name, properties in pools.items()},
        clients=of_pool("AWS::Cognito::UserPoolClient"),
        resource_servers=of_pool("AWS::Cognito::UserPoolResourceServer"),
        gateway_responses={
            kind: _response(spec, "gatewayresponse.header.") for kind, spec in responses.items()
        },
        mocks=tuple(mocks),
    )
