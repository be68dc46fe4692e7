"""Execution environments: a function's code run as Lambda runs it, from source in a child
process of its own (with hot reload), or as ``sam build`` builds it under the runtime emulator."""

from sessions_local.runtimes.emulator import (
    EmulatedFunction as EmulatedFunction,
    Emulator as Emulator,
    parse_report as parse_report,
)
from sessions_local.runtimes.pool import (
    FunctionFailed as FunctionFailed,
    ProxyResponse as ProxyResponse,
    to_proxy_response as to_proxy_response,
)
