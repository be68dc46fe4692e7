"""API Gateway REST (payload v1) proxy events, with what a deployed REST API puts in them."""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from sessions_local.stack.intrinsics import ACCOUNT_ID


@dataclass(frozen=True)
class IncomingRequest:
    method: str
    path: str  # as sent, percent-encoded, no query
    query: Sequence[tuple[str, str]]  # decoded, in order, blank values kept
    headers: Sequence[tuple[str, str]]  # in order, names as sent
    body: bytes
    source_ip: str
    protocol: str = "HTTP/1.1"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received_ms: int = field(default_factory=lambda: time.time_ns() // 1_000_000)

    def header(self, name: str) -> str | None:
        """The last value of a header, matched case-insensitively (as API Gateway does)."""
        return next((v for k, v in reversed(self.headers) if k.lower() == name.lower()), None)


def _multi(pairs: Sequence[tuple[str, str]], fold_case: bool) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for key, value in pairs:
        name = names.setdefault(key.lower(), key) if fold_case else key
        grouped.setdefault(name, []).append(value)
    return grouped


def encode_body(
    body: bytes, content_type: str | None, binary_media_types: Sequence[str]
) -> tuple[str | None, bool]:
    """The event's ``body`` and ``isBase64Encoded``: base64 for binary media types or not UTF-8."""
    if not body:
        return None, False
    media_type = (content_type or "").split(";")[0].strip().lower()
    binary = any(fnmatch.fnmatch(media_type, pattern.lower()) for pattern in binary_media_types)
    if not (content_type and binary):
        with contextlib.suppress(UnicodeDecodeError):
            return body.decode("utf-8"), False
    return base64.b64encode(body).decode("ascii"), True


def build_event(
    request: IncomingRequest,
    resource: str,
    path_parameters: Mapping[str, str],
    stage: str,
    claims: Mapping[str, str] | None,
    binary_media_types: Sequence[str] = (),
    local_port: int = 0,
) -> dict[str, Any]:
    forwarded = request.header("X-Forwarded-For")
    forwarded_for = f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    names = {key.lower() for key, _ in request.headers}
    headers = [(key, value) for key, value in request.headers if key.lower() != "x-forwarded-for"]
    headers.append(("X-Forwarded-For", forwarded_for))
    added = {"X-Forwarded-Port": str(local_port), "X-Forwarded-Proto": "http"}
    headers += [(name, value) for name, value in added.items() if name.lower() not in names]
    multi_headers = _multi(headers, fold_case=True)
    multi_query = _multi(request.query, fold_case=False)
    body, is_base64 = encode_body(request.body, request.header("Content-Type"), binary_media_types)
    host = request.header("Host") or "localhost"
    received = datetime.fromtimestamp(request.received_ms / 1000, UTC)
    request_context: dict[str, Any] = {
        "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, resource).hex[:6],
        "resourcePath": resource,
        "httpMethod": request.method,
        "extendedRequestId": uuid.uuid4().hex[:16],
        "requestTime": received.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{stage}{unquote(request.path)}",
        "accountId": ACCOUNT_ID,
        "protocol": request.protocol,
        "stage": stage,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "requestTimeEpoch": request.received_ms,
        "requestId": request.request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("User-Agent"),
            "user": None,
        },
        "domainName": host,
        "apiId": "local",
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": resource,
        "path": unquote(request.path),
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": body,
        "isBase64Encoded": is_base64,
    }
