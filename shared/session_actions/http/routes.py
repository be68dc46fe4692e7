"""A function's one route, declared once: what it reads from a request, and what it answers.

The same declaration validates every event the function gets and describes the operation in
the OpenAPI document, so the two cannot drift apart:

* a ``Parameter`` (path, query or header) carries a JSON Schema of the few keywords used here
  (``type`` string or integer, ``pattern``, ``minLength``/``maxLength``, ``minimum``/``maximum``,
  ``enum``, ``default``); the value is checked against exactly that schema, which is also what
  the document publishes;
* a body is a pydantic model (write routes only: a route without a body never imports
  pydantic), validated here and published through its own JSON Schema;
* the answers come from ``api_docs``;
* the scopes, any one of which an access token must carry for the route (``READ_SCOPES`` or
  ``WRITE_SCOPES``), which API Gateway's Cognito authorizer checks first and the function again;
* the endpoint gets the values as a typed object of the function's own (a dataclass whose fields
  are the parameters' names in Python: ``If-Match`` is ``if_match``), so a misspelt name is a
  type error, not a ``KeyError`` at run time.

Each function serves one route that API Gateway has already matched, so there is no router.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from session_actions.domain.errors import FieldError, InvalidRequest
from session_actions.http.problems import field_errors

if TYPE_CHECKING:
    from _typeshed import DataclassInstance
    from pydantic import BaseModel

Location = Literal["path", "query", "header"]
# A JSON integer as a query or header value: digits, optionally signed, nothing else.
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")

# The custom scopes of the user pool's resource server, and the scope Cognito gives the tokens a
# user gets by signing in through its own API: the user's own full access, accepted everywhere.
RESOURCE_SERVER = "sessions"
USER_ADMIN_SCOPE = "aws.cognito.signin.user.admin"
READ_SCOPES = (f"{RESOURCE_SERVER}/read", USER_ADMIN_SCOPE)
WRITE_SCOPES = (f"{RESOURCE_SERVER}/write", USER_ADMIN_SCOPE)


@dataclass(frozen=True)
class Parameter:
    """One value a route reads from the path, the query string or a header."""

    name: str
    location: Location
    schema: Mapping[str, Any]
    description: str
    # What a client is told when the value does not match the schema.
    message: str
    required: bool = False
    # Turns a value that matches the schema into what the route works with; a ValueError from
    # it is a 400 too (a date-time of the right shape that is not a real date, say).
    convert: Callable[[str], Any] | None = None

    def raw(self, event: Mapping[str, Any]) -> str | None:
        """The value as sent (the last one, as API Gateway passes it), or None when absent."""
        if self.location == "header":
            # Header names are case-insensitive; API Gateway passes them as the client sent them.
            wanted = self.name.lower()
            headers = event.get("headers") or {}
            value = next((v for k, v in headers.items() if k.lower() == wanted), None)
        else:
            key = "pathParameters" if self.location == "path" else "queryStringParameters"
            value = (event.get(key) or {}).get(self.name)
        return value if isinstance(value, str) else None

    def value(self, raw: str) -> Any:
        """``raw`` as the schema's type; ValueError when it breaks the schema or the conversion."""
        schema = self.schema
        if schema.get("type") == "integer":
            if not _INTEGER.fullmatch(raw):
                raise ValueError
            number = int(raw)
            if number < schema.get("minimum", number) or number > schema.get("maximum", number):
                raise ValueError
            return number
        if not schema.get("minLength", 0) <= len(raw) <= schema.get("maxLength", len(raw)):
            raise ValueError
        # fullmatch: `$` alone would let a trailing newline through.
        if "pattern" in schema and not re.fullmatch(schema["pattern"], raw):
            raise ValueError
        if "enum" in schema and raw not in schema["enum"]:
            raise ValueError
        return raw if self.convert is None else self.convert(raw)

    def openapi(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": self.location,
            "required": self.required,
            "description": self.description,
            "schema": dict(self.schema),
        }


def attribute(name: str) -> str:
    """A parameter's name in Python: ``If-Match`` is ``if_match``, ``startsFrom``
    ``starts_from``."""
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).replace("-", "_").lower()


@dataclass(frozen=True)
class Route[Params: DataclassInstance]:
    """A function's route: method, path template, parameters (and the dataclass the endpoint
    gets them in), the scopes it accepts, body model and answers."""

    method: str
    path: str
    # The operation's OpenAPI fields other than parameters and body (api_docs.operation).
    operation: Mapping[str, Any]
    params: type[Params]
    # An access token must carry at least one of these.
    scopes: tuple[str, ...]
    parameters: tuple[Parameter, ...] = ()
    body: type[BaseModel] | None = None
    # Each parameter's name in Python, worked out once per cold start, not per request.
    _attributes: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        attributes = {parameter.name: attribute(parameter.name) for parameter in self.parameters}
        if sorted(declared.name for declared in fields(self.params)) != sorted(attributes.values()):
            wanted = sorted(attributes.values())
            raise TypeError(f"{self.params.__name__} must have exactly the fields {wanted}")
        object.__setattr__(self, "_attributes", attributes)

    def read(self, event: Mapping[str, Any], body: Any = None) -> tuple[Params, Any]:
        """The parameters and the validated body; InvalidRequest lists every fault.

        ``body`` is the request body already parsed from JSON (a dict), for a route that has one.
        """
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for parameter in self.parameters:
            raw = parameter.raw(event)
            if raw is None:
                if parameter.required:
                    errors.append(FieldError(parameter.name, "Required"))
                values[parameter.name] = parameter.schema.get("default")
                continue
            try:
                values[parameter.name] = parameter.value(raw)
            except ValueError as error:
                # A schema mismatch has no reason of its own; a failed conversion says why.
                reason = f": {error}" if str(error) else ""
                errors.append(FieldError(parameter.name, parameter.message + reason))
        model = None
        if self.body is not None:
            from pydantic import ValidationError

            try:
                model = self.body.model_validate(body)
            except ValidationError as error:
                errors.extend(field_errors(error.errors()))
        if errors:
            raise InvalidRequest("Request failed validation", errors)
        params = self.params(**{self._attributes[name]: value for name, value in values.items()})
        return params, model

    def openapi(self) -> dict[str, Any]:
        """This route's operation object, its body referring to the model's own schema."""
        operation: dict[str, Any] = {k: v for k, v in self.operation.items() if k != "responses"}
        if self.parameters:
            operation["parameters"] = [p.openapi() for p in self.parameters]
        if self.body is not None:
            ref = {"$ref": f"#/components/schemas/{self.body.__name__}"}
            operation["requestBody"] = {
                "content": {"application/json": {"schema": ref}},
                "required": True,
            }
        operation["responses"] = self.operation["responses"]
        return operation
