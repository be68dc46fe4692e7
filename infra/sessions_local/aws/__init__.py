"""The embedded AWS: moto's DynamoDB and Cognito on loopback, the template's tables, and the
template's user pools with tokens on demand."""

from sessions_local.aws.embedded import EmbeddedAws, client, isolate_environment, isolated_settings
from sessions_local.aws.tables import (
    TablePlan,
    TableProvisioner,
    create_template_tables,
    plan_table,
)
from sessions_local.aws.userpool import LocalUserPool

__all__ = [
    "EmbeddedAws",
    "LocalUserPool",
    "TablePlan",
    "TableProvisioner",
    "client",
    "create_template_tables",
    "isolate_environment",
    "isolated_settings",
    "plan_table",
]
