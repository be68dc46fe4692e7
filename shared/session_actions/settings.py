"""A function's settings: its environment, read once per execution environment into one typed
object. ``VARIABLES`` names each setting's variable; the template test holds the template to
them, so a name misspelt on either side fails there, not at run time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache

# The variable each setting is read from (Lambda itself sets AWS_REGION).
VARIABLES = {
    "sessions_table": "SESSIONS_TABLE_NAME",
    "idempotency_table": "IDEMPOTENCY_TABLE_NAME",
    "cursor_secret": "CURSOR_SECRET",
    "allowed_origin": "ALLOWED_ORIGIN",
    "region": "AWS_REGION",
}


class MissingSetting(Exception):
    """The function's template gives it no value for a setting it uses."""


@dataclass(frozen=True)
class Settings:
    sessions_table: str = ""
    idempotency_table: str = ""  # the create function's only
    cursor_secret: str = ""  # the list function's only
    allowed_origin: str = "*"
    region: str = "us-east-1"

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] = os.environ) -> Settings:
        given = {
            field.name: environment[VARIABLES[field.name]]
            for field in fields(cls)
            if environment.get(VARIABLES[field.name])
        }
        return cls(**given)

    def require(self, name: str) -> str:
        """A setting this function needs; MissingSetting (a 500, logged) when it has none."""
        value: str = getattr(self, name)
        if not value:
            raise MissingSetting(f"{VARIABLES[name]} is not set")
        return value


@cache
def settings() -> Settings:
    """This execution environment's settings, read at its first request."""
    return Settings.from_environment()
