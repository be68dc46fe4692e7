"""The template's tables on the local DynamoDB (moto), and the functions' modules, in process."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from sessions_local.aws import create_template_tables
from sessions_local.stack import read_stack
from sessions_openapi import load_module

from bench.lambda_env import FUNCTIONS_DIR, IDEMPOTENCY_TABLE, REGION, ROOT, SESSIONS_TABLE


def create_tables(client: Any, sessions: str = SESSIONS_TABLE) -> None:
    """The sessions table as ``sessions`` and the idempotency table, laid out as deployed."""
    names = {"SessionsTable": sessions, "IdempotencyTable": IDEMPOTENCY_TABLE}
    create_template_tables(client, read_stack(ROOT / "template.yaml"), REGION, names)


def load_function(function: str) -> ModuleType:
    """A function's ``app`` module under its own name, so all five fit in one process."""
    return load_module(f"app_{function}", FUNCTIONS_DIR / function / "app.py")
