"""The local API's functions as they ship: ``sam build`` output under the runtime emulator.

:class:`BuiltFunction` is a :class:`~sessions_local.runtimes.pool.LocalFunction` whose execution
environments are :class:`~sessions_local.runtimes.emulator.EmulatedFunction` s: the same pool (one
request per environment at a time, more environments when all are busy), the same proxy-response
checks, but the code is the build folder with its layer and the runtime's packages, run by
``awslambdaric`` as Lambda's Python runtime runs it (``sessions-local serve --built``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sessions_local.runtimes.emulator import EmulatedFunction, Emulator, EmulatorError
from sessions_local.runtimes.pool import ExecutionEnvironment, FunctionFailed, LocalFunction
from sessions_local.stack import FunctionSpec


class EmulatedEnvironment:
    """An emulated function seen as one execution environment of a pool."""

    def __init__(self, function: EmulatedFunction) -> None:
        self.function = function.start()

    def invoke(self, event: Mapping[str, Any], context: Mapping[str, Any]) -> Any:
        """The handler's result; FunctionFailed when it raised, timed out or could not run.
        (The emulator makes the context itself: its request id is the emulator's.)"""
        name = self.function.name
        try:
            invocation = self.function.invoke(event)
        except EmulatorError as error:
            self.stop()
            raise FunctionFailed(str(error)) from error
        if invocation.error is not None:
            payload = invocation.payload if isinstance(invocation.payload, dict) else {}
            message = payload.get("errorMessage", "")
            raise FunctionFailed(f"{name} raised {invocation.error}: {message}")
        return invocation.payload

    @property
    def alive(self) -> bool:
        return self.function.alive

    def stop(self) -> None:
        self.function.stop()


class BuiltFunction(LocalFunction):
    """A template function served from its build folder, under the emulator."""

    def __init__(
        self,
        spec: FunctionSpec,
        region: str,
        variables: Mapping[str, str],
        emulator: Emulator,
    ) -> None:
        super().__init__(spec, region, variables)
        self.emulator = emulator
        if variables.get("POWERTOOLS_METRICS_DISABLED", "").lower() in ("1", "true"):
            # Nothing is published locally, so Powertools' "no metrics to publish" says nothing.
            self.variables["PYTHONWARNINGS"] = "ignore:No application metrics to publish"

    def start_environment(self) -> ExecutionEnvironment:
        try:
            return EmulatedEnvironment(self.emulator.function(self.spec, self.variables))
        except EmulatorError as error:
            raise FunctionFailed(f"{self.name}: {error}") from error
