"""CORS over HTTP: a browser on any loopback origin, or on one named at start-up, is let in.

Every kind of response is checked (a function's success and errors, the gateway's own 401,
404, 405 and preflight), for loopback origins, a named origin and look-alikes of both.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator

import pytest

from tests.localapi import REPO, LocalApi
from tests.replies import Reply, assert_problem

User = Callable[[], tuple[str, str]]
CONFIGURED = "https://app.example.com"  # the template's AllowedOrigin
MISSING_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
LOOPBACK = [
    "http://localhost:5173",
    "http://localhost",
    "http://127.0.0.1:8080",
    "https://127.0.0.1:8443",
    "http://[::1]:3000",
]
LOOK_ALIKES = [
    "http://localhost.evil.example",
    "http://127.0.0.1.evil.example:8080",
    "https://localhost@evil.example",
    "http://localhost:5173/",
    "https://app.example.com.evil.example",
    "null",
]


def assert_echoed(reply: Reply, origin: str) -> None:
    assert reply.header("Access-Control-Allow-Origin") == origin, reply.headers
    varies = {v.strip() for _, v in reply.headers if _.lower() == "vary" for v in v.split(",")}
    assert "Origin" in varies
    assert {"ETag", "Location", "X-Request-Id"} <= set(
        (reply.header("Access-Control-Expose-Headers") or "").split(",")
    )
    assert reply.header("X-Request-Id")


def preflight(api: LocalApi, origin: str, path: str = "/sessions", method: str = "POST") -> Reply:
    return api.request(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key",
        },
    )


def every_kind_of_response(api: LocalApi, token: str, origin: str) -> dict[str, Reply]:
    """One request of each kind a browser can meet, all sent from ``origin``."""
    sent = {"Origin": origin}
    created = api.request(
        "POST", "/sessions", token=token, headers=sent, json_body={"title": "From a browser"}
    )
    item = f"/sessions/{created.json()['id']}"
    return {
        "201 create": created,
        "200 list": api.request("GET", "/sessions", token=token, headers=sent),
        "304 conditional get": api.request(
            "GET", item, token=token, headers={**sent, "If-None-Match": '"1"'}
        ),
        "400 from the function": api.request("GET", "/sessions/bad-id", token=token, headers=sent),
        "404 from the function": api.request(
            "GET", f"/sessions/{MISSING_ID}", token=token, headers=sent
        ),
        "412 from the function": api.request(
            "PUT", item, token=token, headers={**sent, "If-Match": '"9"'}, json_body={"title": "x"}
        ),
        "401 from the gateway": api.request("GET", "/sessions", headers=sent),
        "404 from the gateway": api.request("GET", "/nowhere", token=token, headers=sent),
        "405 from the gateway": api.request("PATCH", "/sessions", token=token, headers=sent),
        "200 preflight": preflight(api, origin),
        "200 item preflight": preflight(api, origin, item, "PUT"),
    }


def assert_statuses(replies: dict[str, Reply]) -> None:
    for kind, reply in replies.items():
        assert reply.status == int(kind.split()[0]), (kind, reply.body)


@pytest.mark.parametrize("origin", LOOPBACK)
def test_any_loopback_origin_is_echoed_on_every_response(
    local_api: LocalApi, new_user: User, origin: str
) -> None:
    token, _ = new_user()
    replies = every_kind_of_response(local_api, token, origin)
    assert_statuses(replies)
    for kind, reply in replies.items():
        assert_echoed(reply, origin)
        if kind.startswith(("400", "401", "404", "405", "412")):
            assert_problem(reply, reply.status, origin=origin)


def test_the_preflight_allows_what_a_front_end_sends(local_api: LocalApi) -> None:
    reply = preflight(local_api, "http://localhost:5173", f"/sessions/{MISSING_ID}", "PUT")
    assert reply.status == 200
    assert_echoed(reply, "http://localhost:5173")
    allowed = {
        h.strip().lower() for h in (reply.header("Access-Control-Allow-Headers") or "").split(",")
    }
    assert {"authorization", "content-type", "if-match", "if-none-match", "idempotency-key"} <= (
        allowed
    )
    assert "PUT" in (reply.header("Access-Control-Allow-Methods") or "")


@pytest.mark.parametrize("origin", LOOK_ALIKES)
def test_look_alikes_get_the_configured_origin(
    local_api: LocalApi, new_user: User, origin: str
) -> None:
    token, _ = new_user()
    replies = every_kind_of_response(local_api, token, origin)
    assert_statuses(replies)
    for reply in replies.values():
        # As API Gateway answers: its one origin, which a browser elsewhere does not accept.
        assert reply.header("Access-Control-Allow-Origin") == CONFIGURED
        assert origin not in str(reply.headers)


def test_without_origin_the_configured_one_as_before(local_api: LocalApi, new_user: User) -> None:
    token, _ = new_user()
    for reply in (
        local_api.request("GET", "/sessions", token=token),
        local_api.request("GET", "/sessions"),
        local_api.request("GET", "/nowhere", token=token),
    ):
        assert reply.header("Access-Control-Allow-Origin") == CONFIGURED
        assert reply.header("Vary") == "Origin"


def test_local_only_paths_do_not_become_cross_origin(local_api: LocalApi) -> None:
    # The token endpoint answers this machine; a web page may not read it from script.
    reply = local_api.request(
        "POST",
        "/_local/token",
        headers={"Origin": "http://localhost:5173"},
        json_body={"username": "page"},
    )
    assert reply.status == 200
    assert reply.header("Access-Control-Allow-Origin") is None


def test_the_banner_says_which_origins_are_allowed(local_api: LocalApi) -> None:
    line = next(line for line in local_api.stdout.splitlines() if line.startswith("CORS:"))
    assert "any loopback origin" in line
    assert "http://localhost:<port>" in line
    assert CONFIGURED in line


NAMED = "https://staging.example.org"
LAN = "http://192.168.1.20:8080"


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    # Written as a person might type it: the local API keeps it as browsers send it.
    server = LocalApi(
        tmp_path_factory.mktemp("named-origins"),
        "--allowed-origin",
        "https://Staging.Example.org:443",
        "--allowed-origin",
        LAN,
    ).start()
    yield server
    assert server.stop() == 0, server.stderr


@pytest.mark.parametrize("origin", [NAMED, LAN, "http://localhost:5173"])
def test_named_origins_and_loopback_are_echoed(named: LocalApi, origin: str) -> None:
    replies = every_kind_of_response(named, named.token("named-user"), origin)
    assert_statuses(replies)
    for reply in replies.values():
        assert_echoed(reply, origin)


@pytest.mark.parametrize(
    "origin", [None, CONFIGURED, "http://192.168.1.20:8081", "https://staging.example.org.evil"]
)
def test_the_first_named_origin_is_the_configured_one(named: LocalApi, origin: str | None) -> None:
    token = named.token("named-user")
    headers = {} if origin is None else {"Origin": origin}
    for reply in (
        named.request("GET", "/sessions", token=token, headers=headers),
        named.request("GET", "/sessions", headers=headers),
    ):
        assert reply.header("Access-Control-Allow-Origin") == NAMED


def test_the_banner_names_the_named_origins(named: LocalApi) -> None:
    line = next(line for line in named.stdout.splitlines() if line.startswith("CORS:"))
    assert line.endswith(f"{NAMED}, {LAN}")


def test_a_malformed_origin_is_refused_at_start(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = LocalApi(tmp_path_factory.mktemp("bad-origin"), "--allowed-origin", "localhost:5173")
    with pytest.raises(RuntimeError, match="not an origin"):
        server.start()


def test_make_dev_passes_each_origin() -> None:
    result = subprocess.run(  # noqa: S603 - the project's own Makefile, dry run
        ["make", "-n", "dev", f"ORIGIN={NAMED} {LAN}"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=60,
    )
    serve = next(line for line in result.stdout.splitlines() if "sessions-local serve" in line)
    assert f"--allowed-origin '{NAMED}' --allowed-origin '{LAN}'" in serve
