"""Logger, Metrics and Tracer shared by every function (configured by POWERTOOLS_* variables).

Outside Lambda the Tracer disables itself, and the Logger and Metrics only write to stdout,
so tests and the local API need no AWS.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="sessions-api")
metrics = Metrics(namespace="SessionsApi", service="sessions-api")
# Only botocore is patched: DynamoDB calls are the spans worth seeing, and patching
# everything would import modules the functions never use.
tracer = Tracer(service="sessions-api", patch_modules=["botocore"])


def count_store_unavailable() -> None:
    """One ``StoreUnavailable``: a request answered 503 because DynamoDB could not serve it.

    The StoreUnavailableAlarm of template.yaml watches this count.
    """
    metrics.add_metric(name="StoreUnavailable", unit=MetricUnit.Count, value=1)
