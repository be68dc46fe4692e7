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
    python_paths,
    to_proxy_response,
)
from sessions_local.runtimes.sandbox import LambdaContext
from sessions_local.runtimes.variables import LOCAL_DEFAULTS, SecretValues, function_variables

__all__ = [
    "LOCAL_DEFAULTS",
    "BuiltFunction",
    "EmulatedFunction",
    "Emulator",
    "EmulatorError",
    "FunctionFailed",
    "Invocation",
    "LambdaContext",
    "LocalFunction",
    "ProxyResponse",
    "SecretValues",
    "function_variables",
    "parse_report",
    "prepare",
    "python_paths",
    "to_proxy_response",
]
