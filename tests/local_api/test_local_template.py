"""Reading template.yaml as SAM does: routes, authorizer, CORS, tables, gateway responses."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sessions_local.cfn_yaml import TemplateError, load_template_text
from sessions_local.tables import plan_table
from sessions_local.template import LocalTemplate, TableSpec, find_template, read_template

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> LocalTemplate:
    return read_template(REPO / "template.yaml")


def test_routes_are_the_functions_api_events(template: LocalTemplate) -> None:
    routes = {(route.method, route.path): route.function for route in template.routes}
    assert routes == {
        ("POST", "/sessions"): "CreateSessionFunction",
        ("GET", "/sessions"): "ListSessionsFunction",
        ("GET", "/sessions/{id}"): "GetSessionFunction",
        ("PUT", "/sessions/{id}"): "UpdateSessionFunction",
        ("DELETE", "/sessions/{id}"): "DeleteSessionFunction",
    }
    assert {route.authorizer for route in template.routes} == {"CognitoAuthorizer"}
    create = template.functions["CreateSessionFunction"]
    assert create.code_uri == REPO / "functions" / "create_session"
    assert create.handler == "app.handler"
    assert "IDEMPOTENCY_TABLE_NAME" in create.environment
    assert "SESSIONS_TABLE_NAME" in create.environment, "Globals are merged in"


def test_the_authorizer_is_the_stacks_user_pool(template: LocalTemplate) -> None:
    authorizer = template.authorizers["CognitoAuthorizer"]
    assert authorizer.user_pool == "UserPool"
    assert authorizer.header == "Authorization"
    assert [client.logical_id for client in template.clients_of("UserPool")] == ["UserPoolClient"]


def test_cors_and_gateway_responses(template: LocalTemplate) -> None:
    assert template.cors is None, "the preflight is declared in the DefinitionBody"
    assert {"UNAUTHORIZED", "MISSING_AUTHENTICATION_TOKEN"} <= set(template.gateway_responses)
    assert template.gateway_responses["UNAUTHORIZED"].status == 401
    mocks = {(mock.path, mock.method): mock for mock in template.mocks}
    assert mocks["/sessions", "ANY"].authorizer == "CognitoAuthorizer", "SAM adds the default"
    for path, methods in (
        ("/sessions", "GET,POST,OPTIONS"),
        ("/sessions/{id}", "GET,PUT,DELETE,OPTIONS"),
    ):
        preflight = mocks[path, "OPTIONS"]
        assert preflight.authorizer is None, "AddDefaultAuthorizerToCorsPreflight: false"
        headers = preflight.response.headers
        assert headers["Access-Control-Allow-Headers"] == (
            "'Authorization,Content-Type,If-Match,If-None-Match,Idempotency-Key'"
        )
        assert headers["Access-Control-Allow-Methods"] == f"'{methods}'"
        assert headers["X-Request-Id"] == "context.requestId"


@pytest.mark.parametrize(("origin", "vary"), [(None, "'Origin'"), ("*", None)])
def test_vary_follows_the_allowed_origin(
    template: LocalTemplate, origin: str | None, vary: str | None
) -> None:
    overrides = {} if origin is None else {"AllowedOrigin": origin}
    resolver = template.resolver("us-east-1", overrides)
    preflight = next(mock for mock in template.mocks if mock.method == "OPTIONS")
    responses = [preflight.response, *template.gateway_responses.values()]
    assert {resolver.resolve(response.headers["Vary"]) for response in responses} == {vary}


def test_table_plans(template: LocalTemplate) -> None:
    resolver = template.resolver("us-east-1")
    plans = {spec.logical_id: plan_table(spec, resolver) for spec in template.tables}
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


def test_an_index_left_out_by_a_condition_is_not_created(template: LocalTemplate) -> None:
    resolver = template.resolver("us-east-1", {"TimeWindowIndexes": "first-only"})
    sessions = plan_table(template.tables[0], resolver).create
    assert [index["IndexName"] for index in sessions["GlobalSecondaryIndexes"]] == [
        "ById",
        "ByOwnerStatus",
        "ByOwnerStart",
    ]


def test_simple_table_and_provisioned_throughput(tmp_path: Path) -> None:
    resolver = read_template_from(
        """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: fn/, Handler: app.handler}
        """,
        tmp_path,
    ).resolver("eu-west-1")
    simple = plan_table(
        TableSpec("Things", {"PrimaryKey": {"Name": "pk", "Type": "Number"}}, True), resolver
    )
    assert simple.create["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "N"}]
    provisioned = plan_table(
        TableSpec(
            "T",
            {
                "TableName": {"Fn::Sub": "${AWS::StackName}-t"},
                "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            },
        ),
        resolver,
    )
    assert provisioned.name == "sessions-local-t"
    assert provisioned.create["BillingMode"] == "PROVISIONED"


def read_template_from(text: str, folder: Path) -> LocalTemplate:
    path = folder / "template.yaml"
    path.write_text(textwrap.dedent(text))
    return read_template(path)


def test_routes_without_an_authorizer_and_implicit_api(tmp_path: Path) -> None:
    template = read_template_from(
        """
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: fn/
              Handler: app.handler
              Events:
                Get:
                  Type: Api
                  Properties: {Path: /things, Method: get}
                Ignored:
                  Type: Schedule
                  Properties: {Schedule: rate(1 minute)}
        """,
        tmp_path,
    )
    assert [(r.method, r.path, r.authorizer) for r in template.routes] == [("GET", "/things", None)]


def test_a_route_naming_an_unknown_authorizer_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="Nope"):
        read_template_from(
            """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: fn/
                  Handler: app.handler
                  Events:
                    Get:
                      Type: Api
                      Properties: {Path: /x, Method: get, Auth: {Authorizer: Nope}}
            """,
            tmp_path,
        )


def test_short_form_tags() -> None:
    document = load_template_text(
        "A: !Ref X\nB: !GetAtt T.Arn\nC: !Sub 'x-${AWS::Region}'\nD: !If [C, 1, 2]\n"
    )
    assert document == {
        "A": {"Ref": "X"},
        "B": {"Fn::GetAtt": ["T", "Arn"]},
        "C": {"Fn::Sub": "x-${AWS::Region}"},
        "D": {"Fn::If": ["C", 1, 2]},
    }
    with pytest.raises(TemplateError):
        load_template_text("- just\n- a list\n")


def test_find_template_walks_up(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("Resources: {}\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_template(nested) == tmp_path / "template.yaml"
