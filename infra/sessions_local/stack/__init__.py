"""Reading the template the way AWS does: AWS SAM's own translation, into what is served."""

from sessions_local.stack.intrinsics import ACCOUNT_ID, Resolver, TemplateError
from sessions_local.stack.model import (
    ClientSpec,
    FunctionSpec,
    ResponseSpec,
    RouteSpec,
    Stack,
    TableSpec,
    UserPoolSpec,
    read_stack,
    translate,
)

__all__ = [
    "ACCOUNT_ID",
    "ClientSpec",
    "FunctionSpec",
    "Resolver",
    "ResponseSpec",
    "RouteSpec",
    "Stack",
    "TableSpec",
    "TemplateError",
    "UserPoolSpec",
    "read_stack",
    "translate",
]
