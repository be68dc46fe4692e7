"""Execution environments: a function's code run as Lambda runs it, from source in a child
process of its own (with hot reload), or as ``sam build`` builds it under the runtime emulator."""

from sessions_local.runtimes.emulator import (
    BuiltFunction,
    EmulatedFunction,
    Emulator,
    EmulatorError,
    Invocation,
    parse_report,
    prepare,
)
from sessions_local.runtimes.pool import (
    FunctionFailed,
    LocalFunction,
    ProxyResponse,
    to_proxy_response,
)
from sessions_local.runtimes.sandbox import LambdaContext

__all__ = [
    "BuiltFunction",
    "EmulatedFunction",
    "Emulator",
    "EmulatorError",
    "FunctionFailed",
    "Invocation",
    "LambdaContext",
    "LocalFunction",
    "ProxyResponse",
    "parse_report",
    "prepare",
    "to_proxy_response",
]
