"""What the gateway answers itself, and how it serves: routes, CORS, request ids, docs, threads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.localapi import LocalApi
from tests.replies import Reply, assert_problem

User = Callable[[], tuple[str, str]]
ORIGIN = "https://app.example.com"


def assert_gateway_problem(local_api: LocalApi, reply: Reply, status: int) -> dict[str, object]:
    problem = assert_problem(reply, status, origin=ORIGIN)
    assert " gateway " in local_api.log_line(str(problem["requestId"]))
    return problem


def test_unknown_route_is_404_with_or_without_a_token(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    assert_gateway_problem(local_api, local_api.request("GET", "/nowhere"), 404)
    assert_gateway_problem(local_api, local_api.request("GET", "/nowhere", token=token), 404)
    assert_gateway_problem(local_api, local_api.request("POST", "/sessions/a/b", token=token), 404)


def test_unsupported_method_is_405_with_allow(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    reply = local_api.request("PATCH", "/sessions", token=token, json_body={})
    assert_gateway_problem(local_api, reply, 405)
    assert set((reply.header("Allow") or "").replace(" ", "").split(",")) == {
        "GET",
        "POST",
        "OPTIONS",
    }
    on_item = local_api.request("POST", "/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV", token=token)
    assert_gateway_problem(local_api, on_item, 405)
    assert "POST" not in (on_item.header("Allow") or "")


def test_unsupported_method_needs_a_token_first(local_api: LocalApi) -> None:
    # As deployed: SAM gives the template's 405 mock methods the default Cognito authorizer.
    reply = local_api.request("PATCH", "/sessions", json_body={})
    assert_gateway_problem(local_api, reply, 401)
    assert "unauthorized: no token" in local_api.log_line(reply.json()["requestId"])


def preflight(local_api: LocalApi, path: str, method: str) -> Reply:
    return local_api.request(
        "OPTIONS",
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type,if-match",
        },
    )


def test_preflight_needs_no_token(local_api: LocalApi) -> None:
    for path, method, methods in (
        ("/sessions/01ARZ3NDEKTSV4RRFFQ69G5FAV", "PUT", {"GET", "PUT", "DELETE", "OPTIONS"}),
        ("/sessions", "POST", {"GET", "POST", "OPTIONS"}),
    ):
        reply = preflight(local_api, path, method)
        assert reply.status == 200
        assert reply.header("Access-Control-Allow-Origin") == ORIGIN
        allowed_headers = {
            h.strip().lower()
            for h in (reply.header("Access-Control-Allow-Headers") or "").split(",")
        }
        assert {"authorization", "content-type", "if-match", "idempotency-key"} <= allowed_headers
        # The methods of that path, from the template's preflight method.
        assert set((reply.header("Access-Control-Allow-Methods") or "").split(",")) == methods
        assert reply.header("Access-Control-Max-Age") == "600"
        assert reply.header("Vary") == "Origin"
        request_id = reply.header("X-Request-Id")
        assert request_id
        assert " gateway " in local_api.log_line(request_id)
        assert reply.body == b""


def test_every_response_has_cors_headers_and_a_request_id(
    local_api: LocalApi, new_user: User
) -> None:
    token, _ = new_user()
    replies = [
        local_api.request("POST", "/sessions", token=token, json_body={"title": "t"}),
        local_api.request("GET", "/sessions", token=token),
        local_api.request("GET", "/sessions"),
        local_api.request("GET", "/sessions/bad-id", token=token),
        local_api.request("GET", "/nowhere"),
        local_api.request("PATCH", "/sessions", token=token),
        preflight(local_api, "/sessions", "GET"),
    ]
    ids = set()
    for reply in replies:
        assert reply.header("Access-Control-Allow-Origin") == ORIGIN
        assert reply.header("Vary") == "Origin"
        assert set((reply.header("Access-Control-Expose-Headers") or "").split(",")) >= {
            "ETag",
            "Location",
            "X-Request-Id",
        }
        request_id = reply.header("X-Request-Id")
        assert request_id
        uuid.UUID(request_id)
        ids.add(request_id)
    assert len(ids) == len(replies), "a fresh request id per request"


def test_one_log_line_per_request(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    reply = local_api.request("GET", "/sessions?limit=5", token=token)
    line = local_api.log_line(reply.header("X-Request-Id") or "")
    time_of_day, method, path, status, elapsed, handled_by, request_id = line.split()[:7]
    assert (method, path, status) == ("GET", "/sessions?limit=5", "200")
    assert elapsed.endswith("ms")
    assert float(elapsed.removesuffix("ms")) >= 0
    assert handled_by == "ListSessionsFunction"
    assert request_id == reply.header("X-Request-Id")
    assert time_of_day.count(":") == 2


def test_a_body_over_the_gateway_limit_is_refused_unread(
    local_api: LocalApi, new_user: User
) -> None:
    token, _ = new_user()
    reply = local_api.request("POST", "/sessions", token=token, body=b"x" * (10 * 1024 * 1024 + 1))
    # The template maps REQUEST_TOO_LARGE to the contract's 400.
    problem = assert_gateway_problem(local_api, reply, 400)
    assert "10 MB" in str(problem["detail"])
    assert "16 KiB" in str(problem["detail"])
    assert local_api.request("GET", "/sessions", token=token).json()["items"] == []


def test_a_badly_framed_body_is_a_400_also_when_the_client_expects_100_continue(
    local_api: LocalApi, new_user: User
) -> None:
    token, _ = new_user()
    reply = local_api.raw_request(
        "POST",
        "/sessions",
        [
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Content-Length", "ten"),
            ("Expect", "100-continue"),
        ],
    )
    assert_gateway_problem(local_api, reply, 400)


def test_concurrent_requests_are_served(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()

    def create(number: int) -> int:
        body = {"title": f"Parallel {number}"}
        return local_api.request("POST", "/sessions", token=token, json_body=body).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(24)))
    assert statuses == [201] * 24
    listed = local_api.request("GET", "/sessions?limit=100", token=token).json()["items"]
    assert len(listed) == 24


def test_docs_are_served_offline(local_api: LocalApi) -> None:
    page = local_api.request("GET", "/docs")
    assert page.status == 200
    assert b"/docs/swagger-ui-bundle.min.js" in page.body
    assert b"https://" not in page.body, "no CDN: every asset is served locally"
    script = local_api.request("GET", "/docs/swagger-ui-bundle.min.js")
    assert script.status == 200
    assert (script.header("Content-Type") or "").startswith("text/javascript")
    assert len(script.body) > 100_000
    assert local_api.request("GET", "/docs/swagger-ui.min.css").status == 200
    document = local_api.request("GET", "/openapi.json")
    assert document.status == 200
    spec = document.json()
    assert spec["openapi"].startswith("3.")
    assert {"/sessions", "/sessions/{id}"} <= set(spec["paths"])


@pytest.fixture(scope="module")
def any_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    server = LocalApi(tmp_path_factory.mktemp("any-origin"), "--allowed-origin", "*").start()
    yield server
    assert server.stop() == 0, server.stderr


def test_with_any_origin_nothing_says_vary(any_origin: LocalApi) -> None:
    token = any_origin.token("anyone")
    replies = [
        preflight(any_origin, "/sessions", "POST"),
        any_origin.request("GET", "/sessions"),
        any_origin.request("PATCH", "/sessions", token=token),
        any_origin.request("GET", "/sessions", token=token),
    ]
    assert [reply.status for reply in replies] == [200, 401, 405, 200]
    for reply in replies:
        assert reply.header("Access-Control-Allow-Origin") == "*"
        assert reply.header("Vary") is None
        assert reply.header("X-Request-Id")
