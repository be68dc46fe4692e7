"""API Gateway REST proxy events as the five handlers receive them.

``rest_event`` builds the event ``sam local generate-event apigateway aws-proxy`` produces,
with the Cognito authorizer's verified claims in ``requestContext.authorizer.claims``. It is
kept apart from the local API's own event builder (sessions_local.gateway.events.build_event) on
purpose: the handlers are held to the event a deployed REST API sends, modelled here on AWS's
sample, not to the local API's reading of it, which tests/local_api checks separately.
What a handler answers is read as a client gets it through API Gateway:
``tests.replies.Reply.of``.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from typing import Any

from tests.route_table import USER_ADMIN

ACCOUNT_ID = "123456789012"
API_ID = "1234567890"
STAGE = "v1"
USER_POOL = "us-east-1_Example1"


def claims_for(
    sub: str,
    username: str | None = None,
    *,
    scopes: tuple[str, ...] | None = (USER_ADMIN,),
    token_use: str | None = "access",  # noqa: S107 - a claim's value, not a secret
) -> dict[str, str]:
    """The claims the Cognito authorizer passes on for a user's access token (all strings).

    By default the token a user gets by signing in through the user pool's API. ``scopes=None``
    leaves out the ``scope`` claim, ``token_use=None`` the ``token_use`` claim.
    """
    claims = {
        "sub": sub,
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{USER_POOL}",
        "client_id": "exampleclientid",
        "origin_jti": "b6a1d0f2-93c4-4e57-8a1b-2c6d9e0f4a73",
        "event_id": "e4f7a2c9-1b3d-4e6f-a8c0-5d2b7e9f1a36",
        "auth_time": "1700000000",
        "iat": "Tue Nov 14 22:13:20 UTC 2023",
        "exp": "Tue Nov 14 23:13:20 UTC 2023",
        "jti": "0a9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c",
        "username": username or sub,
    }
    if token_use is not None:
        claims["token_use"] = token_use
    if scopes is not None:
        claims["scope"] = " ".join(scopes)
    return claims


def _resource(path: str) -> tuple[str, dict[str, str] | None]:
    match = re.fullmatch(r"/sessions/([^/]+)", path)
    if match:
        return "/sessions/{id}", {"id": match.group(1)}
    return path, None


def rest_event(
    method: str,
    path: str,
    *,
    claims: dict[str, str] | None,
    headers: dict[str, str | None] | None = None,
    query: dict[str, str] | None = None,
    body: str | None = None,
    is_base64: bool = False,
    request_id: str | None = None,
) -> dict[str, Any]:
    """One REST proxy event; ``claims=None`` is a route the authorizer did not protect.

    A header given as None is left out of the event.
    """
    resource, path_parameters = _resource(path)
    request_id = request_id or str(uuid.uuid4())
    all_headers = {
        "Accept": "application/json",
        "Accept-Encoding": "gzip, deflate, br",
        "Host": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "unit-tests/1.0",
        "X-Amzn-Trace-Id": "Root=1-5e66d96f-7491f09xmpl79d18acf3d050",
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if claims is not None:
        all_headers["Authorization"] = "Bearer eyJraWQiOiJleGFtcGxlIn0.e30.c2lnbmF0dXJl"
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    for name, value in (headers or {}).items():
        if value is None:
            all_headers.pop(name, None)
        else:
            all_headers[name] = value
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "resourceId": "123456",
        "stage": STAGE,
        "requestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
        "requestTimeEpoch": int(time.time() * 1000),
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "accessKey": None,
            "sourceIp": "127.0.0.1",
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": "unit-tests/1.0",
            "user": None,
        },
        "path": f"/{STAGE}{path}",
        "resourcePath": resource,
        "httpMethod": method,
        "apiId": API_ID,
        "protocol": "HTTP/1.1",
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "body": body,
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "isBase64Encoded": is_base64,
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": (
            {name: [value] for name, value in query.items()} if query else None
        ),
        "pathParameters": path_parameters,
        "stageVariables": None,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "requestContext": request_context,
    }


def base64_body(data: bytes) -> str:
    return base64.b64encode(data).decode()
