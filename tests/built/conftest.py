"""The built artifact under the runtime emulator: one native build and one embedded DynamoDB
for the run, set up as ``sessions-local serve --built`` sets them up (``sam build`` is skipped
when nothing it reads changed since the last one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sessions_local.deployment import DeploymentSettings, LocalDeployment
from sessions_local.runtimes import Emulator
from sessions_local.stack import Stack

from tests.cloudformation import ROOT

REGION = "us-east-1"


# Per module: the embedded AWS lives in this process, and its data goes when it stops.
@pytest.fixture(scope="module")
def deployment() -> Iterator[LocalDeployment]:
    settings = DeploymentSettings(ROOT / "template.yaml", region=REGION, built=True)
    deployment = LocalDeployment(settings).start(user_pools=False)
    yield deployment
    deployment.stop()


@pytest.fixture(scope="module")
def emulator(deployment: LocalDeployment) -> Emulator:
    assert deployment.emulator is not None
    return deployment.emulator


@pytest.fixture(scope="module")
def stack(deployment: LocalDeployment) -> Stack:
    return deployment.stack


@pytest.fixture(scope="module")
def dynamodb(deployment: LocalDeployment) -> str:
    """The embedded DynamoDB holding the template's tables, under their template names."""
    return deployment.dynamodb_endpoint


@pytest.fixture(scope="module")
def variables(deployment: LocalDeployment) -> dict[str, dict[str, str]]:
    """Each function's environment, as the local API gives it, on the embedded DynamoDB."""
    return {name: function.variables for name, function in deployment.functions.items()}
