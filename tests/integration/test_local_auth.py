"""The gateway's token checks: a bad token is a 401 and the function never runs."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from typing import Any

import jwt
import pytest
from moto.utilities.utils import load_resource

from tests.localapi import REPO, LocalApi, claims_of, command, free_port
from tests.replies import Reply, assert_problem


def forge(claims: dict[str, Any], **changes: Any) -> str:
    """A token signed with the local pool's key, whatever it claims: each check on its own."""
    key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode({**claims, **changes}, key.key, algorithm="RS256", headers={"kid": "dummy"})


def assert_refused(local_api: LocalApi, reply: Reply, reason: str) -> None:
    problem = assert_problem(reply, 401)
    line = local_api.log_line(problem["requestId"])
    assert " 401 " in line
    assert " gateway " in line, "the gateway, not a function, must have answered"
    assert reason in line


@pytest.fixture
def mallory(local_api: LocalApi) -> tuple[str, dict[str, Any]]:
    token = local_api.token(f"mallory-{uuid.uuid4().hex[:8]}")
    return token, claims_of(token)


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = str(uuid.uuid4())
    forged_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged_payload}.{signature}"


def test_bad_tokens_are_refused_before_any_function_runs(
    local_api: LocalApi, mallory: tuple[str, dict[str, Any]]
) -> None:
    token, claims = mallory
    now = int(time.time())
    cases: dict[str, tuple[dict[str, str], str]] = {
        "missing": ({}, "unauthorized: no token"),
        "empty": ({"Authorization": "Bearer "}, "unauthorized: no token"),
        "garbage": ({"Authorization": "Bearer not.a.jwt"}, "not a JWT"),
        "tampered": ({"Authorization": f"Bearer {tampered(token)}"}, "bad signature"),
        "wrong audience": (
            {"Authorization": forge(claims, aud="someone-elses-client")},
            "wrong audience",
        ),
        "wrong issuer": (
            {"Authorization": forge(claims, iss="https://cognito-idp.example/pool")},
            "wrong issuer",
        ),
        "access token": ({"Authorization": forge(claims, token_use="access")}, "token_use is"),
        "expired": ({"Authorization": forge(claims, exp=now - 1)}, "token expired"),
        "unknown key": (
            {"Authorization": jwt.encode(claims, "s" * 32, algorithm="HS256")},
            "not the user pool's",
        ),
    }
    for name, (headers, reason) in cases.items():
        for method, path in (("POST", "/sessions"), ("GET", "/sessions")):
            reply = local_api.request(method, path, headers=headers, json_body={"title": name})
            assert_refused(local_api, reply, reason)
    # Nothing was created in mallory's name, or in anyone's.
    listed = local_api.request("GET", "/sessions", token=token)
    assert listed.status == 200
    assert listed.json()["items"] == []


def test_bare_token_and_bearer_prefix_are_both_accepted(
    local_api: LocalApi, mallory: tuple[str, dict[str, Any]]
) -> None:
    token, _ = mallory
    assert local_api.request("GET", "/sessions", headers={"Authorization": token}).status == 200
    assert (
        local_api.request("GET", "/sessions", headers={"Authorization": f"bearer {token}"}).status
        == 200
    )


def test_short_lived_token_expires(local_api: LocalApi) -> None:
    result = subprocess.run(  # noqa: S603 - our own console script
        [*command(), "token", "shortlived", "--port", str(local_api.port), "--ttl", "1"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    token = result.stdout.strip()
    claims = claims_of(token)
    assert claims["exp"] - claims["iat"] == 1
    while time.time() < claims["exp"] + 1:
        time.sleep(0.1)
    assert_refused(local_api, local_api.request("GET", "/sessions", token=token), "token expired")


def test_token_command_gives_the_same_user_for_the_same_name(local_api: LocalApi) -> None:
    def run(username: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [*command(), "token", username, "--port", str(local_api.port)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )

    first, second, other = run("carol"), run("carol"), run("dave")
    assert first.stderr == second.stderr == ""
    assert len(first.stdout.splitlines()) == 1, "only the token, so $(...) works"
    carol = claims_of(first.stdout.strip())
    assert carol["sub"] == claims_of(second.stdout.strip())["sub"]
    assert carol["sub"] != claims_of(other.stdout.strip())["sub"]
    assert carol["token_use"] == "id"
    # The template's pool signs in by email: "carol" is carol@example.com, and its username is
    # the user's id, as in Cognito.
    assert carol["email"] == "carol@example.com"
    assert carol["cognito:username"] == carol["sub"]
    assert carol["exp"] - carol["iat"] == 3600, "the template's app client: 60 minutes"
    assert local_api.request("GET", "/sessions", token=first.stdout.strip()).status == 200


def test_token_command_without_a_running_api_says_so() -> None:
    result = subprocess.run(  # noqa: S603 - our own console script
        [*command(), "token", "alice", "--port", str(free_port())],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "make dev" in result.stderr


def test_token_endpoint_rejects_bad_input(local_api: LocalApi) -> None:
    bodies: list[object] = [
        {"username": ""},
        {"username": "a b"},
        {"username": "x", "ttl": 0},
        [],
        {"username": "not/an@email"},  # the pool's usernames are emails
    ]
    for body in bodies:
        reply = local_api.request("POST", "/_local/token", json_body=body)
        assert reply.status == 400, body
