"""Inside one execution environment: the child process that runs one function, as Lambda's
Python runtime does, one JSON event at a time."""

from __future__ import annotations

import decimal
import importlib
import json
import os
import signal
import sys
import time
import traceback
import uuid
import warnings
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

from sessions_local.stack import ACCOUNT_ID


class LambdaContext:
    """What a Lambda handler's ``context`` offers (Powertools reads these)."""

    def __init__(self, function_name: str, memory_mb: int, timeout_s: int, region: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _lambda_json(value: Any) -> Any:
    """What Lambda's Python runtime does with Decimals (e.g. from DynamoDB) when serialising."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def run(
    connection: Connection, search_path: list[str], handler: str, environment: dict[str, str]
) -> None:
    """The child process: the handler imported once (the init), then one invocation per
    message, until the parent closes the connection. It sends None when ready, or the init's
    error; then per invocation (True, the result as JSON) or (False, the error), so a result
    Lambda could not serialise fails here too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops us
    os.environ.clear()
    os.environ.update(environment)
    # PYTHONWARNINGS is read when an interpreter starts; a forked one applies it here.
    for option in filter(None, environment.get("PYTHONWARNINGS", "").split(",")):
        action, _, message = option.partition(":")
        warnings.filterwarnings(action, message=message.partition(":")[0])  # type: ignore[arg-type]
    os.chdir(search_path[0])
    sys.path[:0] = search_path
    module_name, _, attribute = handler.rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except Exception as error:
        traceback.print_exc()
        connection.send(f"{type(error).__name__}: {error}")
        return
    connection.send(None)
    while True:
        try:
            event_json, context = connection.recv()
        except (EOFError, OSError):
            return
        try:
            result = function(json.loads(event_json), LambdaContext(*context))
            reply = (True, json.dumps(result, default=_lambda_json))
        except Exception as error:
            traceback.print_exc()
            reply = (False, f"{type(error).__name__}: {error}")
        sys.stdout.flush()
        sys.stderr.flush()
        connection.send(reply)
