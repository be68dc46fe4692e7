"""One local deployment of the template: embedded AWS, tables, user pools and each function's
settings, resolved as CloudFormation would after a deploy; complete once ``start`` returns."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sessions_local.aws.embedded import EmbeddedAws, client, isolate_process, isolated_settings
from sessions_local.aws.tables import TableProvisioner, plan_table
from sessions_local.aws.userpool import LocalUserPool
from sessions_local.runtimes.variables import SecretValues, function_variables
from sessions_local.stack import ACCOUNT_ID, FunctionSpec, UserPoolSpec, read_stack

if TYPE_CHECKING:
    from sessions_local.runtimes.emulator import Emulator


@dataclass(frozen=True)
class DeploymentSettings:
    template: Path
    region: str = "us-east-1"
    # Another DynamoDB (DynamoDB Local, dynalite, a running local API's) than the embedded one.
    dynamodb_endpoint: str | None = None
    # The AllowedOrigin parameter, when the template has one: what the functions send.
    allowed_origin: str | None = None
    # The functions as `sam build` builds them, under the Lambda runtime emulator.
    built: bool = False


@dataclass(frozen=True)
class FunctionSettings:
    spec: FunctionSpec
    variables: dict[str, str]  # the whole environment its execution environments start with


class LocalDeployment:
    def __init__(
        self, settings: DeploymentSettings, echo: Callable[[str], None] | None = None
    ) -> None:
        isolate_process()  # before the first SAM CLI run, moto or client
        self.settings = settings
        self.emulator: Emulator | None = None
        template = settings.template
        if settings.built:
            from sessions_local.runtimes.emulator import prepare

            self.emulator = prepare(settings.template, echo=echo)
            template = self.emulator.build.template
        self.stack = read_stack(template)
        self.overrides: dict[str, str] = {}
        if settings.allowed_origin is not None and "AllowedOrigin" in self.stack.parameters:
            self.overrides["AllowedOrigin"] = settings.allowed_origin
        # Until start: without the physical ids and attributes of what it creates.
        self.resolver = self.stack.resolver(settings.region, self.overrides)
        self.aws = EmbeddedAws()
        self.notes: list[str] = []
        self.warnings: list[str] = []
        self.tables: TableProvisioner
        self.pools: dict[str, LocalUserPool] = {}
        self.functions: dict[str, FunctionSettings] = {}
        self.dynamodb_endpoint = ""

    def start(self, *, user_pools: bool = True) -> LocalDeployment:
        """Start the embedded AWS, create what is missing, resolve every function's settings."""
        region = self.settings.region
        endpoint = self.aws.start()
        self.dynamodb_endpoint = self.settings.dynamodb_endpoint or endpoint
        plans = [plan_table(spec, self.resolver) for spec in self.stack.tables]
        dynamodb = client("dynamodb", region, self.dynamodb_endpoint)
        self.tables = TableProvisioner(dynamodb, plans)
        try:
            self.notes.extend(self.tables.ensure())
        except Exception as error:
            if self.settings.dynamodb_endpoint is None:
                raise
            self.warnings.append(
                f"DynamoDB at {self.dynamodb_endpoint} is not reachable ({type(error).__name__}); "
                "tables will be created when it is, and requests fail with 503 until then"
            )
        # A local pool for each user pool an authorizer names (read_stack checks it has one).
        named = [a.user_pool for a in self.stack.authorizers.values()] if user_pools else []
        cognito = client("cognito-idp", region, endpoint)
        resolve = self.resolver.resolve
        clients_of, servers_of = self.stack.clients_of, self.stack.resource_servers_of
        for name in dict.fromkeys(named):
            pool_spec = UserPoolSpec(name, resolve(dict(self.stack.user_pools[name].properties)))
            clients = [replace(c, properties=resolve(dict(c.properties))) for c in clients_of(name)]
            servers = [replace(r, properties=resolve(dict(r.properties))) for r in servers_of(name)]
            self.pools[name] = LocalUserPool(cognito, endpoint, region, pool_spec, clients, servers)
        physical = {plan.logical_id: plan.name for plan in plans}
        attributes = {
            (plan.logical_id, "Arn"): f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{plan.name}"
            for plan in plans
        }
        for name, pool in self.pools.items():
            physical[name] = pool.pool_id
            physical.update(pool.client_ids)
            attributes[(name, "Arn")] = pool.arn
        self.resolver = self.stack.resolver(region, self.overrides, physical, attributes)
        # The functions' AWS settings name only the local endpoints.
        parent = os.environ | isolated_settings(region, endpoint, self.dynamodb_endpoint)
        secrets = SecretValues()
        for spec in self.stack.functions.values():
            resolved = self.resolver.resolve(spec.environment) or {}
            variables = function_variables(spec, resolved, region, secrets, parent)
            self.functions[spec.logical_id] = FunctionSettings(spec, variables)
        return self

    def stop(self) -> None:
        self.aws.stop()
