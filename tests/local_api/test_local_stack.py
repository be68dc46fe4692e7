"""The local API reads template.yaml as AWS SAM translates it.

The first tests hold the local API to SAM's own translation of the project's template, read by
tests/cloudformation.py independently of the local API's reader. The ones on small templates pin
SAM's semantics where a hand-written reader goes wrong: Globals lists concatenated, an
intrinsic in Globals taken as a value, a function's own layers after the Globals ones.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sessions_local.aws import plan_table
from sessions_local.cli import find_template
from sessions_local.deployment import DeploymentSettings, LocalDeployment
from sessions_local.local_api import LocalApi
from sessions_local.stack import Stack, TemplateError, read_stack

from tests.cloudformation import translated
from tests.route_table import invoked_function, proxy_operations

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def api() -> Iterator[LocalApi]:
    deployment = LocalDeployment(DeploymentSettings(REPO / "template.yaml")).start()
    api = LocalApi(deployment)
    yield api
    api.stop()


def test_routes_and_authorizers_are_the_translations(api: LocalApi) -> None:
    resources = translated()["Resources"]
    expected = {
        key: (invoked_function(operation, resources), next(iter(operation["security"][0])))
        for key, operation in proxy_operations(translated()).items()
    }
    served = {
        f"{method} {resource.path}": (route.function, route.authorizer)
        for resource in api.gateway.routes.resources
        for method, route in resource.methods.items()
    }
    assert served == expected
    assert len(served) == 5
    pool = api.deployment.stack.authorizers["CognitoAuthorizer"].user_pool
    body = resources["SessionsApi"]["Properties"]["Body"]
    scheme = body["components"]["securitySchemes"]["CognitoAuthorizer"]
    assert f'"{pool}"' in json.dumps(scheme["x-amazon-apigateway-authorizer"]["providerARNs"])
    assert pool in api.deployment.pools


def test_environment_and_layers_are_the_translations(api: LocalApi) -> None:
    resources = translated()["Resources"]
    deployment = api.deployment
    tables = {plan.logical_id: plan.name for plan in deployment.tables.plans}
    defaults = {name: str(spec["Default"]) for name, spec in translated()["Parameters"].items()}
    functions = {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    assert set(deployment.functions) == set(functions)
    for name, properties in functions.items():
        served = deployment.functions[name]
        for variable, value in properties["Environment"]["Variables"].items():
            if isinstance(value, dict) and "Ref" in value:
                value = tables.get(value["Ref"]) or defaults[value["Ref"]]
            if isinstance(value, str) and "{{resolve:" not in value:
                assert served.variables[variable] == value, (name, variable)
            assert variable in served.variables, (name, variable)
        layers = [
            REPO / resources[layer["Ref"]]["Properties"]["Content"]["S3Key"]
            for layer in properties["Layers"]
        ]
        assert list(served.spec.layers) == [path.resolve() for path in layers]
        assert served.spec.code_uri == (REPO / properties["Code"]["S3Key"]).resolve()
        assert served.spec.handler == properties["Handler"]


def stack_of(text: str, folder: Path) -> Stack:
    path = folder / "template.yaml"
    path.write_text(textwrap.dedent(text))
    return read_stack(path)


SMALL = """
    Transform: AWS::Serverless-2016-10-31
    Conditions:
      Always: !Equals [a, a]
    Globals:
      Function:
        Runtime: python3.13
        Handler: app.handler
        Layers: [!Ref SharedLayer]
        Environment:
          Variables: !If [Always, {FROM_GLOBALS: "yes"}, {FROM_GLOBALS: "no"}]
      Api:
        BinaryMediaTypes: [image~1png]
    Resources:
      SharedLayer:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: shared/}
      OwnLayer:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: own/}
      Api:
        Type: AWS::Serverless::Api
        Properties:
          StageName: v1
          BinaryMediaTypes: [application~1pdf]
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: fn/
          Layers: [!Ref OwnLayer]
          Environment:
            Variables: {OWN: "1"}
          Events:
            Get: {Type: Api, Properties: {Path: /things, Method: get, RestApiId: !Ref Api}}
    """


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    return stack_of(SMALL, tmp_path_factory.mktemp("small"))


def test_globals_lists_are_concatenated(small: Stack) -> None:
    assert set(small.binary_media_types) == {"image/png", "application/pdf"}


def test_an_intrinsic_in_globals_is_a_value_the_function_replaces(small: Stack) -> None:
    environment = small.resolver("us-east-1").resolve(small.functions["Fn"].environment)
    assert environment == {"OWN": "1"}


def test_a_functions_layers_follow_the_globals_layers(small: Stack) -> None:
    folder = small.path.parent
    assert small.functions["Fn"].layers == (folder / "shared", folder / "own")


def test_routes_without_an_authorizer(small: Stack) -> None:
    assert [(r.method, r.path, r.authorizer) for r in small.routes] == [("GET", "/things", None)]
    assert small.stage == "v1"


def test_a_template_sam_refuses_is_an_error_with_sams_reason(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="Nope"):
        stack_of(
            """
            Transform: AWS::Serverless-2016-10-31
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fn/
                  Handler: app.handler
                  Runtime: python3.13
                  Events:
                    Get:
                      Type: Api
                      Properties: {Path: /x, Method: get, Auth: {Authorizer: Nope}}
            """,
            tmp_path,
        )


def test_a_translation_is_cached_by_the_templates_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = stack_of(SMALL, tmp_path)
    cached = sorted((REPO / ".aws-sam" / "local").glob("translation-*.json"))
    (tmp_path / "template.yaml").touch()

    def translate_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the template was translated again, not read from the cache")

    monkeypatch.setattr("sessions_local.stack.model.subprocess.run", translate_again)
    assert stack_of(SMALL, tmp_path).routes == first.routes
    assert sorted((REPO / ".aws-sam" / "local").glob("translation-*.json")) == cached


def test_table_plans() -> None:
    stack = read_stack(REPO / "template.yaml")
    resolver = stack.resolver("us-east-1")
    plans = {spec.logical_id: plan_table(spec, resolver) for spec in stack.tables}
    sessions = plans["SessionsTable"].create
    assert sessions["BillingMode"] == "PAY_PER_REQUEST"
    assert [index["IndexName"] for index in sessions["GlobalSecondaryIndexes"]] == [
        "ById",
        "ByOwnerStatus",
        "ByOwnerStart",
        "ByOwnerStatusStart",
    ]
    assert "SSESpecification" not in sessions
    assert plans["IdempotencyTable"].ttl_attribute == "expiration"
    first_only = stack.resolver("us-east-1", {"TimeWindowIndexes": "first-only"})
    indexes = plan_table(stack.tables[0], first_only).create["GlobalSecondaryIndexes"]
    assert [index["IndexName"] for index in indexes] == ["ById", "ByOwnerStatus", "ByOwnerStart"]


@pytest.mark.parametrize(("origin", "vary"), [(None, "'Origin'"), ("*", None)])
def test_vary_follows_the_allowed_origin(origin: str | None, vary: str | None) -> None:
    stack = read_stack(REPO / "template.yaml")
    resolver = stack.resolver("us-east-1", {} if origin is None else {"AllowedOrigin": origin})
    preflight = next(mock for mock in stack.mocks if mock.method == "OPTIONS")
    responses = [preflight.response, *stack.gateway_responses.values()]
    assert {resolver.resolve(response.headers.get("Vary")) for response in responses} == {vary}


def test_find_template_walks_up(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_template(nested) == tmp_path / "template.yaml"
