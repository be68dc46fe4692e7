"""A web app on a loopback origin uses the local API from a real browser, with no CORS flag.

The page (``page/client.js``) is served from ``http://localhost:<port>`` and calls the local API
on ``http://127.0.0.1:<port>``, another origin, with ``fetch``: each step checks what the
page's script could read, so a CORS header missing from any response (a preflight, a 304, a
gateway error) fails here as it would fail a front end.

The sign-in page (``page/signin.js``) signs in as production front ends do, with the AWS SDK for
JavaScript's Cognito client pointed at the user pool the local API publishes, and calls the API
with the tokens it gets.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from tests.localapi import LocalApi
from tests.replies import assert_problem_document

if TYPE_CHECKING:
    from playwright.sync_api import Page


class Client:
    """``window.sessionsClient`` in the page, called from the test."""

    def __init__(self, page: Page, api: str, token: str) -> None:
        self.page = page
        self.api = api
        self.token = token

    def __call__(self, step: str, *args: Any) -> dict[str, Any]:
        observed: dict[str, Any] = self.page.evaluate(
            "([step, api, token, args]) => window.sessionsClient[step](api, token, ...args)",
            [step, self.api, self.token, list(args)],
        )
        return observed

    def without_token(self) -> dict[str, Any]:
        observed: dict[str, Any] = self.page.evaluate(
            "(api) => window.sessionsClient.withoutToken(api)", self.api
        )
        return observed


def open_page(page: Page, host: str, port: int) -> None:
    page.goto(f"http://{host}:{port}/index.html")
    assert page.evaluate("typeof window.sessionsClient") == "object"


def client_on_localhost(page: Page, page_port: int, local_api: LocalApi) -> Client:
    open_page(page, "localhost", page_port)
    origin = page.evaluate("location.origin")
    assert origin == f"http://localhost:{page_port}"
    assert origin != local_api.url, "the page must be cross-origin to the API"
    return Client(page, local_api.url, local_api.token(f"browser-{uuid.uuid4().hex[:12]}"))


def assert_observed_problem(observed: dict[str, Any], status: int) -> dict[str, Any]:
    """A problem+json the script could read, its requestId the X-Request-Id it could read.

    The page sees less than a Reply holds (tests.replies.assert_problem): the browser enforces
    Access-Control-Allow-Origin and lets the script read only the exposed headers, so that the
    script read the response at all is the CORS check here.
    """
    assert observed["status"] == status, observed
    assert observed["contentType"] == "application/problem+json"
    problem: dict[str, Any] = observed["body"]
    assert_problem_document(problem, status, observed["requestId"])
    return problem


def test_a_front_end_on_localhost_goes_through_a_session(
    page: Page, page_port: int, local_api: LocalApi
) -> None:
    client = client_on_localhost(page, page_port, local_api)
    draft = {"title": "Browser session", "startsAt": "2030-03-01T10:00:00+01:00"}
    key = f"create-{uuid.uuid4()}"

    created = client("create", draft, key)
    assert created["status"] == 201, created
    session = created["body"]
    assert created["etag"] == '"1"'
    assert created["location"] == f"/sessions/{session['id']}"
    uuid.UUID(created["requestId"])
    # A front end retrying its create (say after a timeout) gets the same session back.
    retried = client("create", draft, key)
    assert retried["status"] == 201
    assert retried["body"]["id"] == session["id"]

    location, etag = created["location"], created["etag"]
    updated = client("update", location, etag, {"status": "active"})
    assert updated["status"] == 200, updated
    assert updated["body"]["status"] == "active"
    assert updated["etag"] == '"2"'

    # Another tab still holding version 1 is told its copy is stale, and changes nothing.
    stale = client("update", location, etag, {"title": "Overwritten"})
    assert_observed_problem(stale, 412)

    unchanged = client("get", location, updated["etag"])
    assert unchanged["status"] == 304, unchanged
    assert unchanged["etag"] == '"2"'
    assert unchanged["text"] == ""
    fresh = client("get", location, etag)
    assert fresh["status"] == 200
    assert fresh["body"]["title"] == "Browser session"

    listed = client("list")
    assert listed["status"] == 200
    assert [item["id"] for item in listed["body"]["items"]] == [session["id"]]

    assert_observed_problem(client.without_token(), 401)

    deleted = client("remove", location, updated["etag"])
    assert deleted["status"] == 204, deleted
    assert deleted["text"] == ""
    assert_observed_problem(client("get", location, None), 404)


def list_takes_a_time_window(local_api: LocalApi) -> bool:
    """Whether ``GET /sessions`` takes ``startsFrom``, as the API's OpenAPI document says."""
    document = local_api.request("GET", "/openapi.json").json()
    parameters = document["paths"]["/sessions"]["get"].get("parameters", [])
    return any(parameter.get("name") == "startsFrom" for parameter in parameters)


def test_a_calendar_view_lists_by_time(page: Page, page_port: int, local_api: LocalApi) -> None:
    if not list_takes_a_time_window(local_api):
        pytest.skip("GET /sessions does not take startsFrom/startsBefore yet")
    client = client_on_localhost(page, page_port, local_api)
    starts = ["2030-05-02T09:00:00Z", "2030-05-01T09:00:00Z", "2030-06-01T09:00:00Z", None]
    ids = []
    for number, starts_at in enumerate(starts):
        created = client("create", {"title": f"Talk {number}", "startsAt": starts_at}, str(number))
        assert created["status"] == 201, created
        ids.append(created["body"]["id"])

    in_may = client("listByTime", "2030-05-01T00:00:00Z", "2030-06-01T00:00:00Z")
    assert in_may["status"] == 200, in_may
    # Earliest first; June and the session without a start are outside the window.
    assert [item["id"] for item in in_may["body"]["items"]] == [ids[1], ids[0]]


def test_a_page_on_another_site_cannot_read_the_api(
    page: Page, page_port: int, local_api: LocalApi, look_alike_host: str
) -> None:
    # The same page and server, under a name that only looks like localhost.
    open_page(page, look_alike_host, page_port)
    client = Client(page, local_api.url, local_api.token("elsewhere"))
    refused = client("list")
    assert refused["status"] == 0, "the browser must not let this page read the response"
    assert "Failed to fetch" in refused["error"]


class SignInPage:
    """``window.signIn`` in the sign-in page, called from the test."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def __call__(self, step: str, *args: Any) -> Any:
        return self.page.evaluate(
            "([step, args]) => window.signIn[step](...args)", [step, list(args)]
        )


def administrator(auth: dict[str, str]) -> Any:
    """boto3's Cognito client as an administrator's script uses it; locally any credentials do."""
    return boto3.client(
        "cognito-idp",
        region_name=auth["region"],
        endpoint_url=auth["cognitoEndpoint"],
        aws_access_key_id="administrator",
        aws_secret_access_key="administrator",
    )


def test_a_user_an_administrator_created_signs_in_with_the_sdk(
    sign_in_page: Page, local_api: LocalApi
) -> None:
    front_end = SignInPage(sign_in_page)
    auth = front_end("start", local_api.url)
    assert auth["cognitoEndpoint"].startswith(f"{local_api.url}/"), auth
    # The pool signs its users in by email address.
    email = f"signer-{uuid.uuid4().hex[:12]}@example.com"
    temporary, chosen = "Temporary-Pass-1", "Chosen-Pass-2024"
    administrator(auth).admin_create_user(
        UserPoolId=auth["userPoolId"],
        Username=email,
        TemporaryPassword=temporary,
        MessageAction="SUPPRESS",
    )

    assert front_end("withPassword", email, "Not-The-Pass-1")["error"] == "NotAuthorizedException"
    assert front_end("withPassword", email, temporary) == {"challenge": "NEW_PASSWORD_REQUIRED"}
    # The pool's password policy holds for the new password too.
    assert front_end("setNewPassword", email, "too-weak")["error"] == "InvalidPasswordException"
    assert front_end("setNewPassword", email, chosen)["signedIn"] is True
    assert front_end("whoAmI") == {"email": email}

    created = front_end("callApi", "create", {"title": "Signed in"}, f"create-{uuid.uuid4()}")
    assert created["status"] == 201, created
    listed = front_end("callApi", "list")
    assert [item["id"] for item in listed["body"]["items"]] == [created["body"]["id"]]

    # The page now holds only what the refresh answered: another access token, which works.
    refreshed = front_end("refresh")
    assert refreshed["signedIn"] is True
    assert refreshed["newAccessToken"] is True, "the page still holds the old access token"
    relisted = front_end("callApi", "list")
    assert relisted["status"] == 200, relisted
    assert relisted["body"]["items"] == listed["body"]["items"]

    assert_observed_problem(front_end("callApiWithIdToken", "list"), 401)

    assert front_end("signOut") == {"signedOut": True}
    assert front_end("refresh")["error"] == "NotAuthorizedException"
    # Signing in again takes the password the user chose, with no challenge.
    assert front_end("withPassword", email, chosen)["signedIn"] is True


def test_a_read_only_token_lists_but_cannot_create(
    page: Page, page_port: int, local_api: LocalApi
) -> None:
    open_page(page, "localhost", page_port)
    username = f"reader-{uuid.uuid4().hex[:12]}"
    owner = Client(page, local_api.url, local_api.token(username))
    created = owner("create", {"title": "Written with full access"}, "written")
    assert created["status"] == 201, created
    # An app client allowed sessions/read alone, acting for the same user.
    reader = Client(page, local_api.url, local_api.token(username, scopes=["sessions/read"]))

    listed = reader("list")
    assert listed["status"] == 200, listed
    assert [item["id"] for item in listed["body"]["items"]] == [created["body"]["id"]]
    assert_observed_problem(reader("create", {"title": "Not allowed"}, "refused"), 401)
    assert len(owner("list")["body"]["items"]) == 1
