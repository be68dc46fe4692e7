"""The embedded AWS: a moto server on a free loopback port, and clients that never leave it.

Every AWS call the functions or the local API make goes to loopback: the process environment
names the moto server as the endpoint of every service (``AWS_ENDPOINT_URL``), or the
``--dynamodb-endpoint`` for DynamoDB, with fixed fake credentials, no profile and no shared
config, so a developer's real AWS settings can never be picked up.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
}
# Settings that would point the SDK at a real account or change how it finds one.
CLEARED_SETTINGS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_LAMBDA_FUNCTION_NAME",
)


def isolate_environment(region: str, endpoint: str, dynamodb_endpoint: str) -> None:
    """Point this process's AWS SDK at the local endpoints only."""
    for name in CLEARED_SETTINGS:
        os.environ.pop(name, None)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.update(
        {
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
        }
    )


class EmbeddedAws:
    """moto's server in a thread of this process (DynamoDB and Cognito, in memory)."""

    def __init__(self) -> None:
        self._server: ThreadedMotoServer | None = None
        self.endpoint = ""

    def start(self) -> str:
        from moto.server import ThreadedMotoServer

        # moto's server logs every call through werkzeug; the local API logs its own requests.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def client(service: str, region: str, endpoint: str) -> Any:
    """A boto3 client for a local endpoint, with fake credentials and few, short retries."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2)
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=config,
    )
