"""The embedded AWS: moto's DynamoDB and Cognito on loopback, the template's tables and pools."""

from sessions_local.aws.embedded import EmbeddedAws as EmbeddedAws, client as client
from sessions_local.aws.tables import (
    create_template_tables as create_template_tables,
    plan_table as plan_table,
)
from sessions_local.aws.userpool import LocalUserPool as LocalUserPool
