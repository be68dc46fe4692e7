"""Request bodies that are not a JSON object of at most 16 KiB of UTF-8: a 400 that says
plainly what is wrong, never a 500, and nothing stored or changed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.apigw import base64_body
from tests.replies import assert_problem, fields_of
from tests.unit.harness import Api, Store


@pytest.fixture
def session(api: Api) -> dict[str, Any]:
    return api.create(title="Kick-off")


BAD_BODIES: dict[str, tuple[dict[str, Any], str]] = {
    "not JSON": ({"body": "{'title': 'x'}"}, "The request body is not valid JSON"),
    "truncated JSON": ({"body": '{"title": "x"'}, "The request body is not valid JSON"),
    "a JSON array": ({"json_body": [{"title": "x"}]}, "The request body must be a JSON object"),
    "JSON null": ({"body": "null"}, "The request body must be a JSON object"),
    "a JSON string": ({"body": '"title"'}, "The request body must be a JSON object"),
    "a JSON number": ({"body": "42"}, "The request body must be a JSON object"),
    "missing": ({}, "A JSON object body is required"),
    "empty": ({"body": ""}, "A JSON object body is required"),
    "larger than 16 KiB": (
        {"json_body": {"title": "t", "description": "x" * (16 * 1024)}},
        "The request body is larger than 16 KiB",
    ),
    "not UTF-8": (
        {"body": base64_body('{"title": "caf\xe9"}'.encode("latin-1")), "is_base64": True},
        "The request body is not valid UTF-8",
    ),
    "not base64 though flagged so": (
        {"body": "{not base64}", "is_base64": True},
        "The request body could not be decoded",
    ),
    "nested deeper than the parser goes": (
        {"body": '{"tags": ' + "[" * 16_000},
        "The request body is nested too deeply",
    ),
}


@pytest.mark.parametrize("case", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_body_that_is_not_a_json_object_is_400_on_create(
    api: Api, store: Store, case: tuple[dict[str, Any], str]
) -> None:
    options, detail = case

    problem = assert_problem(api.post(**options), 400)

    assert problem["detail"] == detail
    assert store.sessions() == []


@pytest.mark.parametrize("case", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_body_that_is_not_a_json_object_is_400_on_update(
    api: Api, session: dict[str, Any], case: tuple[dict[str, Any], str]
) -> None:
    options, detail = case

    problem = assert_problem(api.put(f"/sessions/{session['id']}", **options), 400)

    assert problem["detail"] == detail
    assert api.get(f"/sessions/{session['id']}").json() == session


def test_a_body_of_exactly_16_kib_is_read(api: Api) -> None:
    text = json.dumps({"title": "Padded"})
    body = text + " " * (16 * 1024 - len(text))

    reply = api.post(body=body)

    assert reply.status == 201
    assert reply.json()["title"] == "Padded"


def test_a_base64_encoded_utf8_body_is_read(api: Api) -> None:
    body = base64_body(json.dumps({"title": "Café ☕"}, ensure_ascii=False).encode())

    reply = api.post(body=body, is_base64=True)

    assert reply.status == 201
    assert reply.json()["title"] == "Café ☕"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_the_body_is_read_as_json_whatever_the_content_type(
    api: Api, content_type: str | None
) -> None:
    reply = api.post(body='{"title": "curl -d"}', headers={"Content-Type": content_type})

    assert reply.status == 201
    assert reply.json()["title"] == "curl -d"


def test_a_string_that_is_not_unicode_is_rejected(api: Api, store: Store) -> None:
    # A lone surrogate escape is valid JSON but no character: it cannot be stored or returned.
    reply = api.post(body='{"title": "x\\ud800y"}')

    assert fields_of(assert_problem(reply, 400)) == ["title"]
    assert store.sessions() == []


def test_a_deeply_nested_json_object_is_a_field_error(api: Api, store: Store) -> None:
    depth = 8_000  # as deep as 16 KiB allows
    body = '{"title": "t", "tags": ' + "[" * depth + "]" * depth + "}"

    problem = assert_problem(api.post(body=body), 400)

    assert fields_of(problem) == ["tags.0"]
    assert store.sessions() == []
