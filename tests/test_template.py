"""template.yaml says what the contract and the code need: routes, authorizer, IAM, tables.

The checks read the template as AWS's tools do (tests/cloudformation.py): expanded by the SAM
CLI (its loops unrolled, the parameters at their defaults unless a check gives others) and,
for what CloudFormation will create, translated by AWS SAM.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests import route_table
from tests.cloudformation import ROOT, expanded, resources, sub_text, template, translated

# logical id -> (method, path, folder under functions/): the contract's routes, each with the
# function the template serves it with (checked below: exactly the contract's, one each).
ROUTES = {
    served.logical_id: (route.method, route.path, served.folder)
    for route in route_table.ROUTES
    if (served := route_table.served_by().get(route.key)) is not None
}

SESSIONS = "SessionsTable"
BY_ID = "SessionsTable/index/ById"
BY_OWNER_STATUS = "SessionsTable/index/ByOwnerStatus"
BY_OWNER_START = "SessionsTable/index/ByOwnerStart"
BY_OWNER_STATUS_START = "SessionsTable/index/ByOwnerStatusStart"
IDEMPOTENCY = "IdempotencyTable"

# Exactly what each function's code does: action -> the resources it does it on.
PERMISSIONS: dict[str, dict[str, set[str]]] = {
    "CreateSessionFunction": {
        "dynamodb:PutItem": {SESSIONS, IDEMPOTENCY},
        "dynamodb:GetItem": {IDEMPOTENCY},
        "dynamodb:UpdateItem": {IDEMPOTENCY},
        "dynamodb:DeleteItem": {IDEMPOTENCY},
    },
    "ListSessionsFunction": {
        "dynamodb:Query": {SESSIONS, BY_OWNER_STATUS, BY_OWNER_START, BY_OWNER_STATUS_START}
    },
    "GetSessionFunction": {"dynamodb:GetItem": {SESSIONS}, "dynamodb:Query": {BY_ID}},
    "UpdateSessionFunction": {"dynamodb:UpdateItem": {SESSIONS}, "dynamodb:Query": {BY_ID}},
    "DeleteSessionFunction": {"dynamodb:DeleteItem": {SESSIONS}, "dynamodb:Query": {BY_ID}},
}

# Environment each function needs beyond what Globals gives all of them.
OWN_ENVIRONMENT = {
    "CreateSessionFunction": {"IDEMPOTENCY_TABLE_NAME"},
    "ListSessionsFunction": {"CURSOR_SECRET"},
    "GetSessionFunction": set(),
    "UpdateSessionFunction": set(),
    "DeleteSessionFunction": set(),
}
SHARED_ENVIRONMENT = {
    "SESSIONS_TABLE_NAME",
    "ALLOWED_ORIGIN",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
    "PYDANTIC_DISABLE_PLUGINS",
}

GATEWAY_RESPONSES = {
    "UNAUTHORIZED": 401,
    "ACCESS_DENIED": 403,
    "THROTTLED": 429,
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    # REST APIs answer an unknown route with this type; the contract says 404.
    "MISSING_AUTHENTICATION_TOKEN": 404,
    # The contract makes any body over 16 KiB a 400, API Gateway's own limit (10 MB) included.
    "REQUEST_TOO_LARGE": 400,
    "DEFAULT_4XX": 400,
    "DEFAULT_5XX": 500,
}
EXPOSED = {"ETag", "Location", "X-Request-Id"}
# As the functions send it: Vary: Origin, unless the allowed origin is *.
VARY = "'Origin'"
ORIGIN = "https://app.example.com"  # the AllowedOrigin parameter's default
# The gateway's own answers that ask the caller to come back later, and after how long.
RETRY_AFTER = {"THROTTLED": "'1'", "QUOTA_EXCEEDED": "'1'", "INTEGRATION_TIMEOUT": "'5'"}
ALLOWED_HEADERS = {
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
}
PATHS = {path for _, path, _ in ROUTES.values()}
EXISTING_POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example1"


def functions(document: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return resources("AWS::Serverless::Function", document)


def globals_function() -> dict[str, Any]:
    result: dict[str, Any] = template()["Globals"]["Function"]
    return result


def api_properties(document: dict[str, Any] | None = None) -> dict[str, Any]:
    api = resources("AWS::Serverless::Api", document)["SessionsApi"]
    result: dict[str, Any] = api["Properties"]
    return result


def resource_name(value: Any) -> str:
    """A policy Resource as a short name: SessionsTable, or SessionsTable/index/ById."""
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        logical_id, attribute = value["Fn::GetAtt"]
        assert attribute == "Arn", value
        return str(logical_id)
    match = re.fullmatch(r"\$\{(\w+)\.Arn\}(/index/\w+)", sub_text(value))
    assert match, value
    return match.group(1) + match.group(2)


def granted(logical_id: str) -> dict[str, set[str]]:
    """action -> resources, from the function's inline policy statements."""
    grants: dict[str, set[str]] = {}
    for policy in functions()[logical_id]["Properties"]["Policies"]:
        # Explicit statements only: no managed policies, no SAM policy templates.
        assert isinstance(policy, dict), policy
        assert set(policy) == {"Version", "Statement"}, policy
        for statement in policy["Statement"]:
            assert statement["Effect"] == "Allow"
            assert set(statement) <= {"Sid", "Effect", "Action", "Resource"}, statement
            actions = statement["Action"]
            targets = statement["Resource"]
            for action in [actions] if isinstance(actions, str) else actions:
                for target in [targets] if isinstance(targets, (dict, str)) else targets:
                    grants.setdefault(action, set()).add(resource_name(target))
    return grants


def test_the_api_serves_exactly_the_contracts_routes() -> None:
    assert set(route_table.served_by()) == set(route_table.BY_KEY)
    assert len(ROUTES) == len(route_table.ROUTES), "a function per route"


def test_each_route_has_its_own_function_and_handler_file() -> None:
    assert set(functions()) == set(ROUTES)
    seen: set[tuple[str, str]] = set()
    for logical_id, (method, path, folder) in ROUTES.items():
        properties = functions()[logical_id]["Properties"]
        events = properties["Events"]
        assert len(events) == 1, f"{logical_id} must serve exactly one route"
        (event,) = events.values()
        assert event["Type"] == "Api"
        assert event["Properties"]["RestApiId"] == {"Ref": "SessionsApi"}
        route = (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        assert route == (method, path)
        assert (method, path) not in seen
        seen.add((method, path))

        assert properties["CodeUri"].rstrip("/") == f"functions/{folder}"
        handler = properties.get("Handler", globals_function()["Handler"])
        module, _, name = handler.rpartition(".")
        source = ROOT / "functions" / folder / f"{module.replace('.', '/')}.py"
        assert source.is_file(), f"{logical_id}: {source} is missing"
        tree = ast.parse(source.read_text(encoding="utf-8"))
        defined = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        } | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in defined, f"{source} defines no {name}"


def test_functions_share_runtime_layer_and_observability_settings() -> None:
    glob = globals_function()
    assert glob["Runtime"] == "python3.13"
    assert glob["Tracing"] == "Active"
    assert glob["Layers"] == [{"Ref": "SessionActionsLayer"}]
    assert glob["LoggingConfig"]["LogFormat"] == "JSON"
    layer = resources("AWS::Serverless::LayerVersion")["SessionActionsLayer"]
    assert layer["Properties"]["ContentUri"].rstrip("/") == "shared"
    # Built by shared/Makefile and functions/Makefile: pinned wheels and bytecode.
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    # The layer's compiled wheels must be built for the functions' architecture.
    assert [layer["Metadata"]["BuildArchitecture"]] == glob["Architectures"]
    assert layer["Properties"]["CompatibleArchitectures"] == glob["Architectures"]
    for logical_id in ROUTES:
        properties = functions()[logical_id]["Properties"]
        for key in ("Runtime", "Architectures", "Layers", "Tracing"):
            assert key not in properties, f"{logical_id} overrides Globals {key}"
        metadata = functions()[logical_id]["Metadata"]
        assert (metadata["BuildMethod"], metadata["ContextPath"]) == ("makefile", "functions")
        assert "LoggingConfig" not in properties, f"{logical_id} overrides Globals LoggingConfig"


def test_functions_log_to_one_group_kept_as_long_as_the_parameter_says() -> None:
    group = globals_function()["LoggingConfig"]["LogGroup"]
    assert group == {"Ref": "FunctionLogGroup"}
    for logical_id in ROUTES:
        function = translated()["Resources"][logical_id]["Properties"]
        assert function["LoggingConfig"]["LogGroup"] == group, logical_id
    default = int(template()["Parameters"]["LogRetentionInDays"]["Default"])
    for days, view in ((default, expanded()), (7, expanded(LogRetentionInDays=7))):
        groups = resources("AWS::Logs::LogGroup", view)
        assert {name: g["Properties"]["RetentionInDays"] for name, g in groups.items()} == {
            "FunctionLogGroup": days,
            "ApiAccessLogGroup": days,
            "ApiExecutionLogGroup": days,
        }


def test_each_function_gets_only_the_environment_it_reads() -> None:
    assert set(globals_function()["Environment"]["Variables"]) == SHARED_ENVIRONMENT
    variables = globals_function()["Environment"]["Variables"]
    assert variables["SESSIONS_TABLE_NAME"] == {"Ref": "SessionsTable"}
    assert variables["ALLOWED_ORIGIN"] == {"Ref": "AllowedOrigin"}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "sessions-api"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "SessionsApi"
    for logical_id, names in OWN_ENVIRONMENT.items():
        own = functions()[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        assert set(own) == names, logical_id
    create = functions()["CreateSessionFunction"]["Properties"]["Environment"]["Variables"]
    assert create["IDEMPOTENCY_TABLE_NAME"] == {"Ref": "IdempotencyTable"}
    secret = functions()["ListSessionsFunction"]["Properties"]["Environment"]["Variables"]
    assert (
        sub_text(secret["CURSOR_SECRET"])
        == "{{resolve:secretsmanager:${CursorSecret}:SecretString}}"
    )
    generated = resources("AWS::SecretsManager::Secret")["CursorSecret"]["Properties"]
    assert generated["GenerateSecretString"]["PasswordLength"] >= 32


@pytest.mark.parametrize("logical_id", sorted(PERMISSIONS))
def test_iam_is_exactly_what_the_function_does(logical_id: str) -> None:
    assert granted(logical_id) == PERMISSIONS[logical_id]


def test_every_method_uses_the_cognito_authorizer() -> None:
    auth = api_properties()["Auth"]
    assert auth["DefaultAuthorizer"] == "CognitoAuthorizer"
    assert auth["AddDefaultAuthorizerToCorsPreflight"] is False
    authorizer = auth["Authorizers"]["CognitoAuthorizer"]
    # The stack's own pool, or the one given as ExistingUserPoolArn.
    assert authorizer["UserPoolArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    given = expanded(ExistingUserPoolArn=EXISTING_POOL, ExistingUserPoolClientId="client1")
    assert api_properties(given)["Auth"]["Authorizers"]["CognitoAuthorizer"]["UserPoolArn"] == (
        EXISTING_POOL
    )
    assert authorizer["Identity"]["Header"] == "Authorization"
    # The API's own methods (405 for unsupported methods) take the authorizer's scopes.
    for path, methods in api_properties()["DefinitionBody"]["paths"].items():
        for method, operation in methods.items():
            assert "security" not in operation, f"{method} {path} sets its own security"


def _gateway_headers(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every header the gateway itself sends: its error responses' and its mocks'."""
    found = {
        kind: response["ResponseParameters"]["Headers"]
        for kind, response in api_properties(document)["GatewayResponses"].items()
    }
    for path, methods in api_properties(document)["DefinitionBody"]["paths"].items():
        for method in methods:
            found[f"{method} {path}"] = _mock_response(path, method, document)[1]
    return found


def test_vary_origin_is_left_out_only_for_any_origin() -> None:
    assert globals_function()["Environment"]["Variables"]["ALLOWED_ORIGIN"] == {
        "Ref": "AllowedOrigin"
    }
    assert template()["Parameters"]["AllowedOrigin"]["Default"] == ORIGIN
    for kind, headers in _gateway_headers(template()).items():
        assert headers["Access-Control-Allow-Origin"] == f"'{ORIGIN}'", kind
        assert headers["Vary"] == VARY, kind
    for kind, headers in _gateway_headers(expanded(AllowedOrigin="*")).items():
        assert headers["Access-Control-Allow-Origin"] == "'*'", kind
        assert "Vary" not in headers, kind


def _mock_response(
    path: str, method: str, document: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A DefinitionBody mock method: its declared response headers and its header mappings."""
    operation = api_properties(document)["DefinitionBody"]["paths"][path][method]
    integration = operation["x-amazon-apigateway-integration"]
    assert integration["type"] == "mock"
    response = integration["responses"]["default"]
    prefix = "method.response.header."
    mapped = {
        name.removeprefix(prefix): value
        for name, value in response["responseParameters"].items()
        if name.startswith(prefix)
    }
    assert len(mapped) == len(response["responseParameters"]), "only header mappings"
    declared = operation["responses"][response["statusCode"]].get("headers", {})
    # API Gateway maps only to headers that the method response declares (Vary is declared
    # even where AllowedOrigin * leaves it unmapped).
    assert set(mapped) <= set(declared), f"{method} {path}"
    assert set(declared) - set(mapped) <= {"Vary"}, f"{method} {path}"
    return response, mapped


@pytest.mark.parametrize("path", sorted(PATHS))
def test_preflight_is_declared_with_cors_headers_and_request_id(path: str) -> None:
    # One definition of OPTIONS: the DefinitionBody's, not also SAM's Cors (which cannot map
    # X-Request-Id).
    assert "Cors" not in api_properties()
    response, headers = _mock_response(path, "options")
    assert response["statusCode"] == "200"
    assert "responseTemplates" not in response, "a preflight has no body"
    assert headers["Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
    assert set(headers["Access-Control-Allow-Headers"].strip("'").split(",")) == ALLOWED_HEADERS
    served = {method for method, route_path, _ in ROUTES.values() if route_path == path}
    allowed = set(headers["Access-Control-Allow-Methods"].strip("'").split(","))
    assert allowed == served | {"OPTIONS"}
    assert int(headers["Access-Control-Max-Age"].strip("'")) > 0
    assert set(headers["Access-Control-Expose-Headers"].strip("'").split(",")) == EXPOSED
    assert headers["Vary"] == VARY
    assert headers["X-Request-Id"] == "context.requestId"


def _problem_body(template_text: str) -> dict[str, Any]:
    # $context values are filled in by API Gateway; stand in typical values to parse the JSON.
    text = template_text.replace("$context.error.messageString", '"Invalid request body"')
    text = text.replace("$context.requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
    body: dict[str, Any] = json.loads(text)
    return body


@pytest.mark.parametrize(("response_type", "status"), sorted(GATEWAY_RESPONSES.items()))
def test_gateway_errors_are_problem_json_with_cors_and_request_id(
    response_type: str, status: int
) -> None:
    response = api_properties()["GatewayResponses"][response_type]
    assert int(response["StatusCode"]) == status
    headers = response["ResponseParameters"]["Headers"]
    assert headers["Content-Type"] == "'application/problem+json'"
    assert headers["X-Request-Id"] == "context.requestId"
    assert headers["Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
    assert set(headers["Access-Control-Expose-Headers"].strip("'").split(",")) == EXPOSED
    assert headers["Vary"] == VARY
    (body_template,) = response["ResponseTemplates"].values()
    assert '"requestId":"$context.requestId"' in body_template
    body = _problem_body(body_template)
    assert set(body) == {"type", "title", "status", "detail", "requestId"}
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert headers.get("Retry-After") == RETRY_AFTER.get(response_type)


def test_only_the_come_back_later_answers_say_when() -> None:
    responses = api_properties()["GatewayResponses"]
    assert set(GATEWAY_RESPONSES) | set(RETRY_AFTER) <= set(responses)
    common = {"Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"}
    common |= {"Content-Type", "X-Request-Id"}
    for kind, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        retry = {"Retry-After"} if kind in RETRY_AFTER else set()
        assert set(headers) == common | retry, kind
        assert headers.get("Retry-After") == RETRY_AFTER.get(kind), kind
    # What CloudFormation gets: the responses in the API's definition, Retry-After included.
    body = translated()["Resources"]["SessionsApi"]["Properties"]["Body"]
    assert set(body["x-amazon-apigateway-gateway-responses"]) == set(responses)
    for kind, response in body["x-amazon-apigateway-gateway-responses"].items():
        retry = response["responseParameters"].get("gatewayresponse.header.Retry-After")
        assert retry == RETRY_AFTER.get(kind), kind


def test_every_gateway_response_has_the_problem_shape() -> None:
    for response_type, response in api_properties()["GatewayResponses"].items():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["X-Request-Id"] == "context.requestId", response_type
        assert headers["Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
        assert set(headers["Access-Control-Expose-Headers"].strip("'").split(",")) == EXPOSED
        assert headers["Vary"] == VARY, response_type
        (body_template,) = response["ResponseTemplates"].values()
        body = _problem_body(body_template)
        assert body["status"] == int(response["StatusCode"]), response_type
        # A 5xx says nothing about internals.
        if body["status"] >= 500:
            assert "$context.error" not in body_template, response_type


def test_request_too_large_names_the_gateways_limit() -> None:
    # API Gateway raises REQUEST_TOO_LARGE only past its 10 MB payload limit; the functions
    # answer bodies over 16 KiB themselves.
    response = api_properties()["GatewayResponses"]["REQUEST_TOO_LARGE"]
    detail = str(_problem_body(response["ResponseTemplates"]["application/json"])["detail"])
    assert "10 MB" in detail
    assert "larger than 16 KiB" not in detail


def test_unsupported_methods_answer_405_with_allow() -> None:
    paths = api_properties()["DefinitionBody"]["paths"]
    allowed = {"/sessions": "GET, POST, OPTIONS", "/sessions/{id}": "GET, PUT, DELETE, OPTIONS"}
    assert set(paths) == set(allowed) == PATHS
    for path, allow in allowed.items():
        assert set(paths[path]) == {"options", "x-amazon-apigateway-any-method"}
        response, headers = _mock_response(path, "x-amazon-apigateway-any-method")
        assert response["statusCode"] == "405"
        assert headers["Allow"] == f"'{allow}'"
        assert headers["X-Request-Id"] == "context.requestId"
        assert headers["Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
        assert set(headers["Access-Control-Expose-Headers"].strip("'").split(",")) == EXPOSED
        assert headers["Vary"] == VARY
        body = _problem_body(response["responseTemplates"]["application/json"])
        assert body["status"] == 405
        served = {method for method, route_path, _ in ROUTES.values() if route_path == path}
        assert set(allow.replace(" ", "").split(",")) == served | {"OPTIONS"}


def test_stage_is_throttled_traced_and_access_logged() -> None:
    api = api_properties()
    assert api["TracingEnabled"] is True
    (settings,) = api["MethodSettings"]
    parameters = template()["Parameters"]
    assert settings["ThrottlingRateLimit"] == parameters["ThrottlingRateLimit"]["Default"]
    assert settings["ThrottlingBurstLimit"] == parameters["ThrottlingBurstLimit"]["Default"]
    assert settings["DataTraceEnabled"] is False
    access = api["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = json.loads(access["Format"])
    assert fields["requestId"] == "$context.requestId"
    limited = api_properties(expanded(ThrottlingRateLimit=7, ThrottlingBurstLimit=9))
    (settings,) = limited["MethodSettings"]
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (7, 9)


def _key_schema(definition: dict[str, Any]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in definition["KeySchema"]]


def _durable(logical_id: str) -> dict[str, Any]:
    table = resources("AWS::DynamoDB::Table")[logical_id]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    properties: dict[str, Any] = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["DeletionProtectionEnabled"] is True
    assert "TableName" not in properties  # a retained table never blocks a new stack
    return properties


def test_sessions_table_keys_and_indexes() -> None:
    properties = _durable("SessionsTable")
    types = {a["AttributeName"]: a["AttributeType"] for a in properties["AttributeDefinitions"]}
    assert types == {"owner": "S", "id": "S", "ownerStatus": "S", "startsOrder": "S"}
    assert _key_schema(properties) == [("owner", "HASH"), ("id", "RANGE")]
    indexes = {index["IndexName"]: index for index in properties["GlobalSecondaryIndexes"]}
    # The last index is added by a second deploy when upgrading an older stack (one GSI per
    # table update); with the default parameter it is there.
    assert template()["Parameters"]["TimeWindowIndexes"]["Default"] == "both"
    first = resources("AWS::DynamoDB::Table", expanded(TimeWindowIndexes="first-only"))
    first_only = {
        index["IndexName"] for index in first[SESSIONS]["Properties"]["GlobalSecondaryIndexes"]
    }
    assert first_only == set(indexes) - {"ByOwnerStatusStart"}
    assert set(indexes) == {"ById", "ByOwnerStatus", "ByOwnerStart", "ByOwnerStatusStart"}
    for name, partition in [("ByOwnerStart", "owner"), ("ByOwnerStatusStart", "ownerStatus")]:
        assert _key_schema(indexes[name]) == [(partition, "HASH"), ("startsOrder", "RANGE")]
        assert indexes[name]["Projection"] == {"ProjectionType": "ALL"}
    assert _key_schema(indexes["ById"]) == [("id", "HASH")]
    assert indexes["ById"]["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert _key_schema(indexes["ByOwnerStatus"]) == [("ownerStatus", "HASH"), ("id", "RANGE")]
    assert indexes["ByOwnerStatus"]["Projection"] == {"ProjectionType": "ALL"}


def test_idempotency_table_matches_powertools_defaults() -> None:
    properties = _durable("IdempotencyTable")
    assert properties["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert _key_schema(properties) == [("id", "HASH")]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_user_pool_is_created_or_given() -> None:
    # The condition compares ExistingUserPoolArn (as given) with "".
    given = expanded(ExistingUserPoolArn=EXISTING_POOL, ExistingUserPoolClientId="client1")
    assert template()["Conditions"]["CreateUserPool"] == {"Fn::Equals": ["", ""]}
    assert given["Conditions"]["CreateUserPool"] == {"Fn::Equals": [EXISTING_POOL, ""]}
    pool = resources("AWS::Cognito::UserPool")["UserPool"]
    client = resources("AWS::Cognito::UserPoolClient")["UserPoolClient"]
    assert pool["Condition"] == client["Condition"] == "CreateUserPool"
    assert client["Properties"]["GenerateSecret"] is False
    assert set(client["Properties"]["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }


def test_the_app_client_may_request_the_custom_scopes() -> None:
    properties = resources("AWS::Cognito::UserPoolClient")["UserPoolClient"]["Properties"]
    custom = {scope for route in route_table.ROUTES for scope in route.scopes} - {
        route_table.USER_ADMIN
    }
    assert properties["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(properties["AllowedOAuthScopes"]) >= custom
    # A public client (no secret): the authorization code flow, which takes PKCE.
    assert properties["AllowedOAuthFlows"] == ["code"]
    assert properties["SupportedIdentityProviders"] == ["COGNITO"]
    # By default, a front end's dev server on this machine, never the local API's own address.
    assert properties["CallbackURLs"] == properties["LogoutURLs"] == ["http://localhost:5173/"]
    page = "https://app.example.com/signed-in"
    given = resources("AWS::Cognito::UserPoolClient", expanded(OAuthRedirectUrl=page))
    assert given["UserPoolClient"]["Properties"]["CallbackURLs"] == [page]
    assert given["UserPoolClient"]["Properties"]["LogoutURLs"] == [page]


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://app.example.com/signed-in", True),
        ("http://localhost:5173/", True),
        ("http://localhost", True),
        # Cognito takes http for localhost alone.
        ("http://app.example.com/", False),
        ("http://localhost.example.com/", False),
        ("https://app.example.com/a b", False),
    ],
)
def test_the_oauth_redirect_url_is_one_cognito_takes(url: str, accepted: bool) -> None:
    pattern = template()["Parameters"]["OAuthRedirectUrl"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, url)) is accepted


def test_outputs() -> None:
    assert set(template()["Outputs"]) >= {
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "SessionsTableName",
        "IdempotencyTableName",
    }


def _config_skips() -> dict[str, str]:
    """.checkov.yaml's skip-check entries, each with the comment lines just above it."""
    skips: dict[str, str] = {}
    reason: list[str] = []
    for line in (ROOT / ".checkov.yaml").read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            reason.append(stripped.lstrip("# "))
        elif stripped.startswith("- CKV"):
            skips[stripped.removeprefix("- ")] = " ".join(reason)
            reason = []
        else:
            reason = []
    return skips


def test_every_checkov_skip_says_why() -> None:
    type_wide = _config_skips()
    assert type_wide, ".checkov.yaml skips nothing"
    for check, reason in type_wide.items():
        assert re.fullmatch(r"CKV2?_AWS_\d+", check), check
        assert len(reason) > 40, f".checkov.yaml skips {check} silently"
    for logical_id, resource in resources().items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), logical_id
            assert len(skip.get("comment", "")) > 40, f"{logical_id} skips {skip['id']} silently"
            assert skip["id"] not in type_wide, f"{logical_id} repeats .checkov.yaml's {skip['id']}"


# ---------------------------------------------------------------- as CloudFormation sees it

LAYER = ROOT / ".aws-sam" / "build" / "SessionActionsLayer" / "python"


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return translated()


def test_transformed_api_authorizes_every_method_but_preflight(transformed: dict[str, Any]) -> None:
    body = transformed["Resources"]["SessionsApi"]["Properties"]["Body"]
    routes: set[tuple[str, str]] = set()
    # A method with no scopes would take ID tokens; an unsupported method (405) takes a token
    # that any route would.
    any_route = {scope for route in route_table.ROUTES for scope in route.scopes}
    for path, methods in body["paths"].items():
        for method, operation in methods.items():
            if method == "options":
                assert "security" not in operation, f"preflight {path} must not need a token"
                continue
            route = route_table.BY_KEY.get(f"{method.upper()} {path}")
            (security,) = operation["security"]
            assert list(security) == ["CognitoAuthorizer"], f"{method} {path}"
            scopes = security["CognitoAuthorizer"]
            assert len(scopes) == len(set(scopes)), f"{method} {path}"
            assert set(scopes) == (set(route.scopes) if route else any_route), f"{method} {path}"
            routes.add((method, path))
    expected = {(method.lower(), path) for method, path, _ in ROUTES.values()}
    anything_else = {("x-amazon-apigateway-any-method", path) for _, path, _ in ROUTES.values()}
    assert routes == expected | anything_else
    scheme = body["components"]["securitySchemes"]["CognitoAuthorizer"]
    assert scheme["x-amazon-apigateway-authtype"] == "cognito_user_pools"


def test_transformed_resource_server_declares_the_custom_scopes(
    transformed: dict[str, Any],
) -> None:
    found = transformed["Resources"]
    (server,) = (r for r in found.values() if r["Type"] == "AWS::Cognito::UserPoolResourceServer")
    identifier = server["Properties"]["Identifier"]
    assert identifier == "sessions"
    names = {scope["ScopeName"] for scope in server["Properties"]["Scopes"]}
    assert names == {"read", "write"}
    custom = {scope for route in route_table.ROUTES for scope in route.scopes} - {
        route_table.USER_ADMIN
    }
    assert {f"{identifier}/{name}" for name in names} == custom
    assert server["Properties"]["UserPoolId"] == {"Ref": "UserPool"}


def test_an_existing_user_pool_gets_the_resource_server_unless_it_has_one() -> None:
    given = {"ExistingUserPoolArn": EXISTING_POOL, "ExistingUserPoolClientId": "client1"}
    created = translated(**given)
    server = created["Resources"]["UserPoolResourceServer"]
    assert server["Properties"]["UserPoolId"] == "us-east-1_Example1"
    assert server["Condition"] == "CreateResourceServer"
    assert created["Conditions"]["CreateResourceServer"] == {"Fn::Equals": ["create", "create"]}
    skipped = translated(ResourceServer="existing", **given)["Conditions"]
    assert skipped["CreateResourceServer"] == {"Fn::Equals": ["existing", "create"]}


@pytest.mark.parametrize("route", route_table.ROUTES, ids=lambda route: route.key)
def test_each_functions_own_scopes_are_the_contracts(route: route_table.Route) -> None:
    app = importlib.import_module(f"functions.{route_table.served_by()[route.key].folder}.app")
    assert set(app.route.scopes) == set(route.scopes)


def test_transformed_preflight_is_the_templates_own(transformed: dict[str, Any]) -> None:
    body = transformed["Resources"]["SessionsApi"]["Properties"]["Body"]
    for path in PATHS:
        preflight = body["paths"][path]["options"]
        assert "security" not in preflight
        integration = preflight["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock"
        parameters = integration["responses"]["default"]["responseParameters"]
        assert parameters["method.response.header.X-Request-Id"] == "context.requestId"
        assert parameters["method.response.header.Vary"] == VARY
        assert parameters["method.response.header.Access-Control-Allow-Origin"] == f"'{ORIGIN}'"
        # Every mapped header is declared on the method response, as API Gateway requires.
        declared = set(preflight["responses"]["200"]["headers"])
        assert {name.removeprefix("method.response.header.") for name in parameters} == declared
    for kind, response in body["x-amazon-apigateway-gateway-responses"].items():
        assert response["responseParameters"]["gatewayresponse.header.Vary"] == VARY, kind


def test_transformed_routes_invoke_their_own_functions_live_alias(
    transformed: dict[str, Any],
) -> None:
    found = transformed["Resources"]
    body = found["SessionsApi"]["Properties"]["Body"]
    for logical_id, (method, path, _) in ROUTES.items():
        integration = body["paths"][path][method.lower()]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        # The alias, never the function's $LATEST: traffic moves only as CodeDeploy moves it.
        alias = f"{logical_id}Aliaslive"
        assert f"${{{alias}}}" in integration["uri"]["Fn::Sub"]
        assert found[alias]["Type"] == "AWS::Lambda::Alias"
        assert found[alias]["Properties"]["FunctionName"] == {"Ref": logical_id}
        (permission,) = [
            resource
            for resource in found.values()
            if resource["Type"] == "AWS::Lambda::Permission"
            and resource["Properties"]["FunctionName"] in ({"Ref": logical_id}, {"Ref": alias})
        ]
        assert permission["Properties"]["FunctionName"] == {"Ref": alias}


def test_transformed_deployments_roll_back_on_the_functions_alarms(
    transformed: dict[str, Any],
) -> None:
    found = transformed["Resources"]
    for logical_id in ROUTES:
        group = found[f"{logical_id}DeploymentGroup"]["Properties"]
        preference = functions()[logical_id]["Properties"]["DeploymentPreference"]
        assert group["AlarmConfiguration"] == {
            "Enabled": True,
            "Alarms": [{"Name": alarm} for alarm in preference["Alarms"]],
        }
        for alarm in preference["Alarms"]:
            assert found[alarm["Ref"]]["Type"] == "AWS::CloudWatch::Alarm"
        assert group["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
        # The DeploymentType parameter's default, as SAM resolves it.
        default = template()["Parameters"]["DeploymentType"]["Default"]
        assert group["DeploymentConfigName"] == {
            "Fn::Sub": ["CodeDeployDefault.Lambda${ConfigName}", {"ConfigName": default}]
        }
        update = found[f"{logical_id}Aliaslive"]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        assert update["DeploymentGroupName"] == {"Ref": f"{logical_id}DeploymentGroup"}


def test_transformed_roles_add_only_logs_and_xray(transformed: dict[str, Any]) -> None:
    for logical_id in ROUTES:
        role = transformed["Resources"][f"{logical_id}Role"]["Properties"]
        managed = {str(arn).rsplit("/", 1)[-1] for arn in role["ManagedPolicyArns"]}
        assert managed == {"AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"}, logical_id
        assert len(role["Policies"]) == 1


# The deploy build (.aws-sam/build, arm64) is checked here and only here, not in the Makefile:
# `make check-template` makes it and `make test` runs these tests after it. Without it they skip,
# saying how to make it, except in CI (CI=true), where a missing build is a failure.
@pytest.fixture
def layer() -> Path:
    """The deploy build's layer folder (its parent's parent holds the whole build)."""
    if not LAYER.exists():
        reason = "no deploy build in .aws-sam/build: run `make check-template` first"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must check the build)", pytrace=False)
        pytest.skip(reason)
    return LAYER


def test_built_layer_holds_the_package(layer: Path) -> None:
    assert (layer / "session_actions" / "__init__.py").is_file()
    (wheel,) = layer.glob("pydantic_core-*.dist-info/WHEEL")
    # The functions run on arm64, so the layer's compiled wheel must be an aarch64 one.
    assert globals_function()["Architectures"] == ["arm64"]
    assert re.search(r"manylinux\w*_aarch64", wheel.read_text()), wheel.read_text()


def test_built_layer_leaves_the_sdk_to_the_runtime(layer: Path) -> None:
    shipped = {path.name.split("-")[0].lower() for path in layer.glob("*.dist-info")}
    assert shipped.isdisjoint({"boto3", "botocore", "s3transfer", "urllib3"}), shipped
    assert not list(layer.rglob("*.pyi")), "type stubs are shipped"


def test_deploy_build_is_precompiled_for_a_zip(layer: Path) -> None:
    """Every module has CPython 3.13 bytecode that needs no timestamp check (PEP 552
    unchecked-hash), so a zip's file times cannot make Lambda compile it again: Lambda's code
    folders are read-only, so a module without it would be compiled at every cold start."""
    build = layer.parents[1]
    sources = list(build.rglob("*.py"))
    assert len(sources) > 100
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        assert compiled.is_file(), source
        header = compiled.read_bytes()[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER, compiled
        assert int.from_bytes(header[4:8], "little") == 0b01, f"{compiled}: not unchecked-hash"
