"""The local API's origin rule: any loopback origin and the named ones are echoed, no other."""

from __future__ import annotations

import pytest
from sessions_local.gateway import LocalOrigins, canonical_origin, is_loopback_origin
from sessions_local.runtimes import ProxyResponse

CONFIGURED = "https://app.example.com"

LOOPBACK = [
    "http://localhost",
    "http://localhost:5173",
    "https://localhost:8443",
    "http://127.0.0.1",
    "http://127.0.0.1:8080",
    "http://[::1]",
    "http://[::1]:3000",
    "https://[::1]:65535",
]

LOOK_ALIKES = [
    "http://localhost.evil.example",
    "http://localhost.evil.example:5173",
    "http://127.0.0.1.evil.example",
    "http://127.0.0.1.nip.io:8080",
    "https://localhost@evil.example",
    "http://evil.example@localhost",
    "http://evil-localhost",
    "http://localhost:5173.evil.example",
    "http://localhost:5173/",
    "http://localhost/app",
    "http://localhost:5173?x=1",
    "http://localhost:5173#x",
    "http://localhost:",
    "http://localhost:0",
    "http://localhost:05173",
    "http://localhost:65536",
    "http://localhost:５１７３",  # full-width digits  # noqa: RUF001
    "http://localhost.",
    "http://LOCALHOST:5173",
    "ftp://localhost",
    "ws://localhost:5173",
    "file://localhost",
    "//localhost:5173",
    "localhost:5173",
    "http://localhost:5173\n",
    " http://localhost:5173",
    "http://[::1",
    "http://::1",
    "http://[::ffff:127.0.0.1]",
    "http://127.0.0.2",
    "http://0.0.0.0:3000",
    "null",
    "",
]


@pytest.mark.parametrize("origin", LOOPBACK)
def test_loopback_origins(origin: str) -> None:
    assert is_loopback_origin(origin)
    assert LocalOrigins().allows(origin)


@pytest.mark.parametrize("origin", LOOK_ALIKES)
def test_look_alikes_are_not_loopback(origin: str) -> None:
    assert not is_loopback_origin(origin)
    assert not LocalOrigins((CONFIGURED,)).allows(origin)


def test_a_named_origin_is_allowed_exactly() -> None:
    origins = LocalOrigins((CONFIGURED, "http://192.168.1.20:8080"))
    assert origins.allows("http://192.168.1.20:8080")
    assert origins.allows(CONFIGURED)
    for other in (
        "http://192.168.1.20:8081",
        "https://192.168.1.20:8080",
        "https://app.example.com.evil.example",
        "https://evil.app.example.com",
        "http://app.example.com",
    ):
        assert not origins.allows(other), other


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("https://App.Example.COM", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://app.example.com:80", "http://app.example.com"),
        ("http://app.example.com:8080", "http://app.example.com:8080"),
        ("*", "*"),
    ],
)
def test_named_origins_are_kept_as_browsers_send_them(written: str, canonical: str) -> None:
    assert canonical_origin(written) == canonical


@pytest.mark.parametrize(
    "written", ["app.example.com", "https://app.example.com/", "https://a@b", "https://", "**"]
)
def test_a_named_origin_must_be_an_origin(written: str) -> None:
    with pytest.raises(ValueError, match="not an origin"):
        canonical_origin(written)


def response(*headers: tuple[str, str]) -> ProxyResponse:
    return ProxyResponse(200, list(headers), b"{}")


WITH_CORS = response(
    ("Content-Type", "application/json"),
    ("Access-Control-Allow-Origin", CONFIGURED),
    ("Access-Control-Expose-Headers", "ETag,Location,X-Request-Id"),
    ("Vary", "Origin"),
)


def headers_named(reply: ProxyResponse, name: str) -> list[str]:
    return [value for key, value in reply.headers if key.lower() == name.lower()]


def test_an_allowed_origin_is_echoed_once_with_vary() -> None:
    reply = LocalOrigins((CONFIGURED,)).answer(WITH_CORS, "http://localhost:5173")
    assert headers_named(reply, "Access-Control-Allow-Origin") == ["http://localhost:5173"]
    assert headers_named(reply, "Vary") == ["Origin"]
    assert headers_named(reply, "Access-Control-Expose-Headers") == ["ETag,Location,X-Request-Id"]
    assert reply.body == WITH_CORS.body
    assert reply.status == WITH_CORS.status


def test_vary_origin_is_added_beside_another_vary() -> None:
    lower_case = response(("access-control-allow-origin", CONFIGURED), ("vary", "Accept"))
    reply = LocalOrigins().answer(lower_case, "http://127.0.0.1:8080")
    assert headers_named(reply, "Access-Control-Allow-Origin") == ["http://127.0.0.1:8080"]
    assert headers_named(reply, "Vary") == ["Accept", "Origin"]


@pytest.mark.parametrize("origin", [None, "https://evil.example", "http://localhost.evil.example"])
def test_other_origins_get_the_configured_one_as_deployed(origin: str | None) -> None:
    assert LocalOrigins((CONFIGURED,)).answer(WITH_CORS, origin) == WITH_CORS


def test_responses_without_cors_headers_get_none() -> None:
    token = response(("Content-Type", "application/json"))
    assert LocalOrigins().answer(token, "http://localhost:5173") == token


def test_any_origin_stays_a_star() -> None:
    star = response(("Access-Control-Allow-Origin", "*"))
    origins = LocalOrigins(("*",))
    assert origins.allows("https://anything.example")
    assert origins.answer(star, "http://localhost:5173") == star
    assert origins.describe() == "any origin (*)"


def test_the_banner_names_loopback_and_the_named_origins() -> None:
    described = LocalOrigins((CONFIGURED, "http://192.168.1.20:8080")).describe()
    assert "http://localhost:<port>" in described
    assert "http://[::1]:<port>" in described
    assert described.endswith("https://app.example.com, http://192.168.1.20:8080")
