"""The embedded AWS: moto's DynamoDB and Cognito on loopback, with the template's tables and
user pools."""

from sessions_local.aws.embedded import EmbeddedAws, client
from sessions_local.aws.tables import create_template_tables, plan_table
from sessions_local.aws.userpool import LocalUserPool

__all__ = ["EmbeddedAws", "LocalUserPool", "client", "create_template_tables", "plan_table"]
