"""moto's server on a free loopback port, and clients that never leave it: fixed fake
credentials and, once the process is isolated, none of the shell's AWS settings."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

FAKE_KEY = "local"  # the access key id and the secret access key
# No profile, config or credentials file and no instance metadata: none of the shell's settings.
NO_SHELL_SETTINGS = {
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def isolate_process() -> None:
    """Drop the shell's AWS settings from this process, whose SAM CLI runs, moto and clients
    read them (a profile the shell names may not exist)."""
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        del os.environ[name]
    os.environ.update(NO_SHELL_SETTINGS)


def isolated_settings(region: str, endpoint: str, dynamodb_endpoint: str) -> dict[str, str]:
    """The AWS variables that point an SDK at the local endpoints only."""
    return {
        **NO_SHELL_SETTINGS,
        "AWS_ACCESS_KEY_ID": FAKE_KEY,
        "AWS_SECRET_ACCESS_KEY": FAKE_KEY,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_endpoint,
    }


class EmbeddedAws:
    """moto's server (DynamoDB and Cognito, in memory) in a thread of this process, one request
    at a time: moto applies a write in several Python steps, where DynamoDB is atomic."""

    endpoint = ""

    def start(self) -> str:
        from moto.moto_server import werkzeug_app
        from werkzeug.serving import make_server

        # moto's server logs every call through werkzeug, and a failure's traceback, which can
        # quote what was sent: the local API logs its own requests, and one line for a failure.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        app = werkzeug_app.DomainDispatcherApplication(werkzeug_app.create_backend_app)
        self._server = make_server(
            "127.0.0.1", 0, app, threaded=False, request_handler=werkzeug_app.MotoRequestHandler
        )
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self._server.server_port}"
        return self.endpoint

    def stop(self) -> None:
        """Stop the server and forget its data, which moto keeps per process, not per server."""
        from moto.moto_api._internal.models import moto_api_backend

        if self.endpoint:
            self._server.shutdown()
            self.endpoint = ""
            moto_api_backend.reset()


def client(service: str, region: str, endpoint: str) -> Any:
    """A boto3 client for a local endpoint, with fake credentials and few, short retries."""
    import boto3
    from botocore.config import Config

    config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2)
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=FAKE_KEY,
        aws_secret_access_key=FAKE_KEY,
        config=config,
    )
