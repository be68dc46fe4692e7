"""Reading the template the way AWS does: AWS SAM's own translation, into what is served."""

from sessions_local.stack.intrinsics import (
    ACCOUNT_ID as ACCOUNT_ID,
    Resolver as Resolver,
    TemplateError as TemplateError,
)
from sessions_local.stack.model import (
    ClientSpec as ClientSpec,
    FunctionSpec as FunctionSpec,
    ResourceServerSpec as ResourceServerSpec,
    ResponseSpec as ResponseSpec,
    RouteSpec as RouteSpec,
    Stack as Stack,
    TableSpec as TableSpec,
    UserPoolSpec as UserPoolSpec,
    read_stack as read_stack,
    translate as translate,
)
