"""The contract's route table, stated once for every suite, from the HTTP contract and
independently of the code: each route's method and path, its success, the other answers it
may give, the scopes it accepts, and the headers a success carries. Which function serves a
route is the template's business: ``served_by`` reads it from AWS SAM's translation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

# An access token must carry one of its route's scopes (API.md, Identity).
USER_ADMIN = "aws.cognito.signin.user.admin"
READ = ("sessions/read", USER_ADMIN)
WRITE = ("sessions/write", USER_ADMIN)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    success: int
    errors: tuple[int, ...]
    scopes: tuple[str, ...]  # any one of them will do
    headers: tuple[str, ...] = ()  # what a success carries besides the common ones
    conditional: tuple[int, ...] = ()  # 304 for a matching If-None-Match

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.success, *self.conditional, *self.errors)

    @property
    def names_a_session(self) -> bool:
        return "{id}" in self.path


ROUTES = (
    Route("POST", "/sessions", 201, (400, 401, 409, 422, 500, 503), WRITE, ("ETag", "Location")),
    Route("GET", "/sessions", 200, (400, 401, 500, 503), READ),
    Route("GET", "/sessions/{id}", 200, (400, 401, 403, 404, 500, 503), READ, ("ETag",), (304,)),
    Route("PUT", "/sessions/{id}", 200, (400, 401, 403, 404, 412, 500, 503), WRITE, ("ETag",)),
    Route("DELETE", "/sessions/{id}", 204, (400, 401, 403, 404, 412, 500, 503), WRITE),
)
BY_KEY = {route.key: route for route in ROUTES}


@dataclass(frozen=True)
class Function:
    logical_id: str
    folder: str  # under functions/, and the name of its sample event under events/


def proxy_operations(translation: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The API's ``aws_proxy`` operations in AWS SAM's translation, by "METHOD path"."""
    body = translation["Resources"]["SessionsApi"]["Properties"]["Body"]
    return {
        f"{method.upper()} {path}": operation
        for path, operations in body["paths"].items()
        for method, operation in operations.items()
        if operation.get("x-amazon-apigateway-integration", {}).get("type") == "aws_proxy"
    }


def invoked_function(operation: Mapping[str, Any], resources: Mapping[str, Any]) -> str:
    """The function an ``aws_proxy`` operation's URI invokes, through its alias if it has one."""
    uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
    target = uri.split("functions/${")[1].split("}")[0].split(".")[0]
    if resources[target]["Type"] == "AWS::Lambda::Alias":
        return str(resources[target]["Properties"]["FunctionName"]["Ref"])
    return str(target)


@cache
def served_by() -> dict[str, Function]:
    """Each route's function, as the template says: the API's integration, read from AWS SAM's
    translation, and the function's code folder."""
    from tests.cloudformation import translated

    resources = translated()["Resources"]
    found = {}
    for key, operation in proxy_operations(translated()).items():
        target = invoked_function(operation, resources)
        folder = resources[target]["Properties"]["Code"]["S3Key"].strip("/").split("/")[-1]
        found[key] = Function(target, folder)
    return found
