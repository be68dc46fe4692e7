"""Execution environments: a function's code run as Lambda runs it, from source in a child
process of its own (with hot reload), or as ``sam build`` builds it under the runtime emulator."""

from sessions_local.runtimes.emulator import EmulatedFunction, Emulator, parse_report
from sessions_local.runtimes.pool import FunctionFailed, ProxyResponse, to_proxy_response

__all__ = [
    "EmulatedFunction",
    "Emulator",
    "FunctionFailed",
    "ProxyResponse",
    "parse_report",
    "to_proxy_response",
]
