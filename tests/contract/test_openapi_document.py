"""docs/openapi.json: current with the code, and saying what the API does (docs/API.md's table).

The document is generated from the handlers' route declarations (``make openapi``); these tests
fail when the code and the committed document drift apart, and check that what the generator
produces tells the contract's truth: statuses per route, problem+json errors, headers, the
security scheme and the field rules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sessions_openapi import DOCUMENT, ROOT, build_document, render

from tests.cloudformation import resources
from tests.route_table import ROUTES

# The route table of the contract: method and path -> success and error statuses.
ROUTE_TABLE = {
    (route.method.lower(), route.path): (route.success, set(route.errors)) for route in ROUTES
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SESSION_REF = {"$ref": "#/components/schemas/Session"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document()


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_committed_document_is_current(document: dict[str, Any]) -> None:
    assert DOCUMENT.is_file(), "docs/openapi.json is missing: run `make openapi`"
    committed = DOCUMENT.read_text(encoding="utf-8")
    assert json.loads(committed) == document, (
        "docs/openapi.json no longer matches the handlers: run `make openapi` and commit it"
    )
    assert committed == render(document), "docs/openapi.json is not formatted as generated"


def test_generator_needs_no_environment_and_no_aws(tmp_path: Path) -> None:
    # Importing the five handler modules must have no side effects: no env vars, no clients.
    bare_env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "sessions_openapi"],
        cwd=ROOT,
        env=bare_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == DOCUMENT.read_text(encoding="utf-8")


def test_every_route_answers_what_the_contract_lists(document: dict[str, Any]) -> None:
    found = operations(document)
    assert set(found) == set(ROUTE_TABLE)
    for route in ROUTES:
        responses = found[route.method.lower(), route.path]["responses"]
        assert {int(status) for status in responses} == set(route.statuses), route.key


def test_errors_are_problem_json_never_powertools_validation_errors(
    document: dict[str, Any],
) -> None:
    text = json.dumps(document)
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        assert f"#/components/schemas/{name}" not in text
        assert name not in document["components"]["schemas"]
    for route, operation in operations(document).items():
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM_REF}}
                assert response["description"], (route, status)
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "requestId"}
    field = document["components"]["schemas"]["ProblemField"]
    assert set(field["required"]) == {"field", "message"}


def test_response_headers(document: dict[str, Any]) -> None:
    for contract in ROUTES:
        operation = operations(document)[contract.method.lower(), contract.path]
        for status, response in operation["responses"].items():
            headers = set(response.get("headers", {}))
            expected = {"X-Request-Id"}
            if int(status) == contract.success:
                expected.update(contract.headers)
            if status == "304":
                expected.add("ETag")
            if status == "503":
                expected.add("Retry-After")
            assert headers == expected, (contract.key, status)


def test_bodies(document: dict[str, Any]) -> None:
    found = operations(document)
    for route in [("post", "/sessions"), ("get", "/sessions/{id}"), ("put", "/sessions/{id}")]:
        success = str(ROUTE_TABLE[route][0])
        assert found[route]["responses"][success]["content"] == {
            "application/json": {"schema": SESSION_REF}
        }
    page = found["get", "/sessions"]["responses"]["200"]["content"]["application/json"]
    assert page["schema"] == {"$ref": "#/components/schemas/SessionPage"}
    assert not found["delete", "/sessions/{id}"]["responses"]["204"].get("content")
    assert not found["get", "/sessions/{id}"]["responses"]["304"].get("content")
    create_body = found["post", "/sessions"]["requestBody"]
    assert create_body["required"] is True
    assert create_body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SessionCreate"
    }
    update_body = found["put", "/sessions/{id}"]["requestBody"]["content"]["application/json"]
    assert update_body["schema"] == {"$ref": "#/components/schemas/SessionUpdate"}


def test_request_headers_and_parameters(document: dict[str, Any]) -> None:
    found = operations(document)

    def parameters(route: tuple[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(p["in"], p["name"]): p for p in found[route].get("parameters", [])}

    key = parameters(("post", "/sessions"))["header", "Idempotency-Key"]
    assert key["required"] is False
    assert key["schema"] == {"type": "string", "pattern": "^[\\x20-\\x7e]{1,255}$"}
    for route in [("put", "/sessions/{id}"), ("delete", "/sessions/{id}")]:
        if_match = parameters(route)["header", "If-Match"]
        assert if_match["required"] is False
        assert if_match["schema"]["type"] == "string"
    for method in ("get", "put", "delete"):
        session_id = parameters((method, "/sessions/{id}"))["path", "id"]
        assert session_id["required"] is True
        assert session_id["schema"]["pattern"] == "^[0-7][0-9A-HJKMNP-TV-Z]{25}$"
    listing = parameters(("get", "/sessions"))
    limit = listing["query", "limit"]["schema"]
    assert (limit["type"], limit["minimum"], limit["maximum"], limit["default"]) == (
        "integer",
        1,
        100,
        20,
    )
    assert listing["query", "cursor"]["schema"]["type"] == "string"
    assert listing["query", "status"]["schema"]["enum"] == [
        "scheduled",
        "active",
        "completed",
        "cancelled",
    ]
    # An optional parameter is absent or a value; no parameter is ever null.
    assert "null" not in json.dumps([p["schema"] for r in found for p in parameters(r).values()])


def test_security_is_a_cognito_access_token_with_the_routes_scopes(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"CognitoAccessToken"}
    scheme = schemes["CognitoAccessToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert scheme["x-amazon-apigateway-authtype"] == "cognito_user_pools"
    assert "access token" in scheme["description"]
    # No document-wide requirement that an operation without its own would fall back to.
    assert "security" not in document
    found = operations(document)
    for route in ROUTES:
        security = found[route.method.lower(), route.path]["security"]
        # Alternatives, one scope each: any one of the route's scopes will do.
        expected = [{"CognitoAccessToken": [scope]} for scope in route.scopes]
        assert sorted(security, key=json.dumps) == sorted(expected, key=json.dumps), route.key


def test_field_rules(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    create, update, session = schemas["SessionCreate"], schemas["SessionUpdate"], schemas["Session"]
    for body in (create, update):
        assert body["additionalProperties"] is False
        fields = body["properties"]
        assert set(fields) == {"title", "description", "status", "startsAt", "endsAt", "tags"}
        assert fields["status"]["enum"] == ["scheduled", "active", "completed", "cancelled"]
        assert fields["tags"]["maxItems"] == 20
        assert fields["tags"]["uniqueItems"] is True
        for nullable in ("description", "startsAt", "endsAt"):
            assert {"type": "null"} in fields[nullable]["anyOf"], nullable
        description = next(v for v in fields["description"]["anyOf"] if v != {"type": "null"})
        assert description["maxLength"] == 2000
        starts_at = next(v for v in fields["startsAt"]["anyOf"] if v != {"type": "null"})
        assert starts_at["format"] == "date-time"
        for not_nullable in ("title", "status", "tags"):
            assert "anyOf" not in fields[not_nullable], not_nullable
    assert create["required"] == ["title"]
    assert create["properties"]["status"]["default"] == "scheduled"
    assert create["properties"]["tags"]["default"] == []
    assert "required" not in update
    assert update["minProperties"] == 1
    assert not any("default" in field for field in update["properties"].values())

    assert session["additionalProperties"] is False
    assert (
        set(session["required"])
        == set(session["properties"])
        == {
            "id",
            "title",
            "description",
            "status",
            "startsAt",
            "endsAt",
            "tags",
            "createdAt",
            "updatedAt",
            "version",
        }
    )
    assert session["properties"]["version"]["minimum"] == 1
    assert session["properties"]["createdAt"]["format"] == "date-time"
    page = schemas["SessionPage"]
    assert set(page["required"]) == {"items", "nextCursor"}
    assert page["properties"]["items"]["maxItems"] == 100


def test_links_connect_create_get_update_delete(document: dict[str, Any]) -> None:
    found = operations(document)
    ids = {op["operationId"] for op in found.values()}
    created = found["post", "/sessions"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in created.values()} == {
        "getSession",
        "updateSession",
        "deleteSession",
    }
    for operation in found.values():
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in ids


def _template_routes() -> set[tuple[str, str]]:
    """The functions' Api events, as the SAM CLI reads the template."""
    routes = set()
    for resource in resources("AWS::Serverless::Function").values():
        for event in resource["Properties"].get("Events", {}).values():
            if event.get("Type") == "Api":
                routes.add((event["Properties"]["Method"].lower(), event["Properties"]["Path"]))
    return routes


@pytest.mark.skipif(not (ROOT / "template.yaml").is_file(), reason="no template.yaml")
def test_template_routes_are_the_documented_operations(document: dict[str, Any]) -> None:
    assert _template_routes() == set(operations(document))
