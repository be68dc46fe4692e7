"""The gateway's token checks (API.md, Identity): an access token with one of the route's scopes,
or a 401 from the gateway, the function never run and nothing changed."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from tests.localapi import REPO, LocalApi, claims_of, command, free_port
from tests.replies import Reply, assert_problem
from tests.route_table import READ, ROUTES, USER_ADMIN, WRITE, Route

# The resource server's custom scopes, as an app client asks for them.
SESSIONS_READ, SESSIONS_WRITE = READ[0], WRITE[0]


def forge(claims: dict[str, Any], key: Any = None, **changes: Any) -> str:
    """A token signed with the local pool's key (or ``key``), whatever it claims: each check on
    its own. A change to None leaves that claim out."""
    pool_key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    changed = {name: value for name, value in {**claims, **changes}.items() if value is not None}
    return jwt.encode(changed, key or pool_key, algorithm="RS256", headers={"kid": "dummy"})


def assert_refused(local_api: LocalApi, reply: Reply, reason: str) -> None:
    problem = assert_problem(reply, 401)
    line = local_api.log_line(problem["requestId"])
    assert " 401 " in line
    assert " gateway " in line, "the gateway, not a function, must have answered"
    assert reason in line


def new_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def mallory(local_api: LocalApi) -> tuple[str, dict[str, Any]]:
    token = local_api.token(new_name("mallory"))
    return token, claims_of(token)


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = str(uuid.uuid4())
    forged_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged_payload}.{signature}"


def send(local_api: LocalApi, route: Route, session_id: str, token: str | None) -> Reply:
    """The route's request, as a client that may use it sends it."""
    body = {"title": f"Through {route.key}"} if route.method in ("POST", "PUT") else None
    path = route.path.replace("{id}", session_id)
    return local_api.request(route.method, path, token=token, json_body=body)


def test_bad_tokens_are_refused_before_any_function_runs(
    local_api: LocalApi, mallory: tuple[str, dict[str, Any]]
) -> None:
    token, claims = mallory
    now = int(time.time())
    another_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases: dict[str, tuple[str | None, str]] = {
        "missing": (None, "unauthorized: no token"),
        "empty": ("Bearer ", "unauthorized: no token"),
        "garbage": ("Bearer not.a.jwt", "not a JWT"),
        "tampered": (f"Bearer {tampered(token)}", "bad signature"),
        "re-signed with another key": (forge(claims, another_key), "bad signature"),
        "another pool": (
            forge(claims, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
            "wrong issuer",
        ),
        "no token_use": (forge(claims, token_use=None), "no token_use claim"),
        "no scope": (forge(claims, scope=None), "missing scope"),
        "expired": (forge(claims, exp=now - 1), "token expired"),
        "unknown key": (jwt.encode(claims, "s" * 32, algorithm="HS256"), "not the user pool's"),
    }
    for name, (header, reason) in cases.items():
        for method, path in (("POST", "/sessions"), ("GET", "/sessions")):
            headers = {} if header is None else {"Authorization": header}
            reply = local_api.request(method, path, headers=headers, json_body={"title": name})
            assert_refused(local_api, reply, reason)
    signed = [header.split(".")[1] for header, _ in cases.values() if header and len(header) > 99]
    assert not [payload for payload in signed if payload in local_api.stderr], "a token was logged"
    # Nothing was created in mallory's name, or in anyone's.
    listed = local_api.request("GET", "/sessions", token=token)
    assert listed.status == 200
    assert listed.json()["items"] == []


def test_a_token_of_another_app_client_of_the_pool_is_accepted(
    local_api: LocalApi, mallory: tuple[str, dict[str, Any]]
) -> None:
    # As in AWS: the authorizer names the user pool, not its app clients.
    token, claims = mallory
    other_client = forge(claims, client_id="another-app-client-of-the-pool")
    created = local_api.request("POST", "/sessions", token=other_client, json_body={"title": "t"})
    assert created.status == 201, created.body
    listed = local_api.request("GET", "/sessions", token=token).json()["items"]
    assert listed == [created.json()], "the same user, whichever app client signed them in"


def test_the_id_token_is_refused_on_every_route(local_api: LocalApi) -> None:
    name = new_name("identified")
    created = send(local_api, ROUTES[0], "", local_api.token(name))
    assert created.status == 201, created.body
    session = created.json()
    id_token = local_api.token(name, id_token=True)
    assert claims_of(id_token)["token_use"] == "id"
    for route in ROUTES:
        reply = send(local_api, route, session["id"], id_token)
        assert_refused(local_api, reply, "token_use is 'id', not 'access'")
    fetched = local_api.request("GET", f"/sessions/{session['id']}", token=local_api.token(name))
    assert fetched.json() == session, "a refused write changes nothing"


@pytest.mark.parametrize(
    "scopes",
    [[SESSIONS_READ], [SESSIONS_WRITE], [SESSIONS_READ, SESSIONS_WRITE], None],
    ids=["read", "write", "both", "own sign-in"],
)
def test_each_scope_opens_only_its_routes(local_api: LocalApi, scopes: list[str] | None) -> None:
    name = new_name("scoped")
    own = local_api.token(name)  # the user's own token: every route
    created = send(local_api, ROUTES[0], "", own)
    assert created.status == 201, created.body
    session = created.json()
    token = local_api.token(name, scopes=scopes)
    held = set(claims_of(token)["scope"].split())
    assert held == set(scopes or [USER_ADMIN])
    for route in ROUTES:  # the delete comes last
        reply = send(local_api, route, session["id"], token)
        if held & set(route.scopes):
            assert reply.status == route.success, (route.key, reply.body)
        else:
            needed = ", ".join(route.scopes)
            assert_refused(local_api, reply, f"missing scope: this method needs one of {needed}")
    listed = local_api.request("GET", "/sessions?limit=100", token=own).json()["items"]
    if held & set(WRITE):
        assert [item["title"] for item in listed] == ["Through POST /sessions"]
    else:
        assert listed == [session], "a refused write changes nothing"


def test_bare_token_and_bearer_prefix_are_both_accepted(
    local_api: LocalApi, mallory: tuple[str, dict[str, Any]]
) -> None:
    token, _ = mallory
    assert local_api.request("GET", "/sessions", headers={"Authorization": token}).status == 200
    assert (
        local_api.request("GET", "/sessions", headers={"Authorization": f"bearer {token}"}).status
        == 200
    )


def run_token(
    local_api: LocalApi, *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [*command(), "token", *args, "--port", str(local_api.port)],
        capture_output=True,
        text=True,
        check=check,
        cwd=REPO,
    )


def test_short_lived_token_expires(local_api: LocalApi) -> None:
    token = run_token(local_api, "shortlived", "--ttl", "1").stdout.strip()
    claims = claims_of(token)
    assert claims["token_use"] == "access"
    assert claims["exp"] - claims["iat"] == 1
    while time.time() < claims["exp"] + 1:
        time.sleep(0.1)
    assert_refused(local_api, local_api.request("GET", "/sessions", token=token), "token expired")


def test_token_command_gives_the_same_user_for_the_same_name(local_api: LocalApi) -> None:
    first, second, other = (run_token(local_api, name) for name in ("carol", "carol", "dave"))
    assert first.stderr == second.stderr == ""
    assert len(first.stdout.splitlines()) == 1, "only the token, so $(...) works"
    carol = claims_of(first.stdout.strip())
    assert carol["sub"] == claims_of(second.stdout.strip())["sub"]
    assert carol["sub"] != claims_of(other.stdout.strip())["sub"]
    # The user's own access token, as signing in through the pool's API gives it.
    assert carol["token_use"] == "access"
    assert carol["scope"] == USER_ADMIN
    assert "aud" not in carol
    # The template's pool signs in by email: as in Cognito, the username is the user's id.
    assert carol["username"] == carol["sub"]
    assert carol["exp"] - carol["iat"] == 3600, "the template's app client: 60 minutes"
    assert local_api.request("GET", "/sessions", token=first.stdout.strip()).status == 200


def test_token_command_scopes_and_id_token(local_api: LocalApi) -> None:
    both = claims_of(
        run_token(local_api, "erin", "--scope", SESSIONS_READ, "--scope", SESSIONS_WRITE).stdout
    )
    assert both["token_use"] == "access"
    assert set(both["scope"].split()) == {SESSIONS_READ, SESSIONS_WRITE}
    id_token = run_token(local_api, "erin", "--id-token").stdout.strip()
    claims = claims_of(id_token)
    assert claims["token_use"] == "id"
    assert claims["email"] == "erin@example.com"
    assert claims["sub"] == both["sub"]
    assert_refused(local_api, local_api.request("GET", "/sessions", token=id_token), "token_use")

    unknown = run_token(local_api, "erin", "--scope", "sessions/admin", check=False)
    assert unknown.returncode == 1
    assert unknown.stdout == ""
    assert "sessions/admin" in unknown.stderr
    both_kinds = run_token(local_api, "erin", "--scope", SESSIONS_READ, "--id-token", check=False)
    assert both_kinds.returncode == 2
    assert "--id-token: not allowed with argument --scope" in both_kinds.stderr


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


def test_token_endpoint_answers_both_tokens(local_api: LocalApi) -> None:
    asked = {"username": "frank", "ttl": 120, "scopes": [SESSIONS_READ]}
    reply = local_api.request("POST", "/_local/token", json_body=asked)
    assert reply.status == 200, reply.body
    tokens = reply.json()
    assert set(tokens) == {"accessToken", "idToken", "username", "sub", "expiresIn", "scope"}
    assert tokens["username"] == "frank@example.com"
    assert tokens["expiresIn"] == 120
    assert tokens["scope"] == SESSIONS_READ
    assert claims_of(tokens["accessToken"])["scope"] == SESSIONS_READ
    assert claims_of(tokens["accessToken"])["sub"] == tokens["sub"]
    assert claims_of(tokens["idToken"])["token_use"] == "id"


def test_token_endpoint_rejects_bad_input(local_api: LocalApi) -> None:
    bodies: list[object] = [
        {"username": ""},
        {"username": "a b"},
        {"username": "x", "ttl": 0},
        [],
        {"username": "not/an@email"},  # the pool's usernames are emails
        {"username": "x", "scopes": []},
        {"username": "x", "scopes": SESSIONS_READ},
        {"username": "x", "scopes": [1]},
    ]
    for body in bodies:
        reply = local_api.request("POST", "/_local/token", json_body=body)
        assert reply.status == 400, body
    unknown = {"username": "x", "scopes": [SESSIONS_READ, "sessions/admin"]}
    reply = local_api.request("POST", "/_local/token", json_body=unknown)
    assert reply.status == 400
    assert "sessions/admin" in reply.json()["detail"]
