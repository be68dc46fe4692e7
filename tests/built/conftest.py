"""The built artifact under the runtime emulator: one native build and one embedded DynamoDB
for the run (``sam build`` is skipped when nothing it reads changed since the last one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sessions_local.aws_local import EmbeddedAws, client, isolated_settings
from sessions_local.emulator import Emulator, prepare
from sessions_local.lambda_env import SecretValues, function_variables
from sessions_local.tables import TableProvisioner, plan_table
from sessions_local.template import LocalTemplate, read_template

from tests.cloudformation import ROOT

REGION = "us-east-1"


@pytest.fixture(scope="session")
def emulator() -> Emulator:
    return prepare(ROOT / "template.yaml")


@pytest.fixture(scope="session")
def local_template() -> LocalTemplate:
    return read_template(ROOT / "template.yaml")


@pytest.fixture(scope="session")
def dynamodb(local_template: LocalTemplate) -> Iterator[str]:
    """An embedded DynamoDB holding the template's tables, under their template names."""
    aws = EmbeddedAws()
    endpoint = aws.start()
    plans = [plan_table(table, local_template.resolver(REGION)) for table in local_template.tables]
    TableProvisioner(client("dynamodb", REGION, endpoint), plans).ensure()
    yield endpoint
    aws.stop()


@pytest.fixture(scope="session")
def variables(local_template: LocalTemplate, dynamodb: str) -> dict[str, dict[str, str]]:
    """Each function's environment, as the local API gives it, on the embedded DynamoDB."""
    resolver = local_template.resolver(REGION)
    secrets = SecretValues()
    parent: dict[str, Any] = {
        "PATH": "/usr/bin:/bin",
        **isolated_settings(REGION, dynamodb, dynamodb),
    }
    return {
        name: function_variables(
            spec, resolver.resolve(dict(spec.environment)), REGION, secrets, parent
        )
        for name, spec in local_template.functions.items()
    }
