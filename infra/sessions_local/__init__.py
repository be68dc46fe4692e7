"""The local Sessions API: real handlers behind Cognito-style token checks, no AWS, no Docker."""

# Paths the local API serves besides the template's routes.
TOKEN_PATH = "/_local/token"  # noqa: S105 - a URL path, not a secret
HEALTH_PATH = "/_local/health"
# What a front end needs to sign in locally, and the Cognito user-pool API it signs in with.
AUTH_PATH = "/_local/auth"
COGNITO_PATH = "/_local/cognito"
# The longest lifetime of a local access or ID token (Cognito allows up to one day).
MAX_TOKEN_TTL_S = 86400


def local_url(host: str, port: int) -> str:
    """Where the local API listening on ``host`` is reached: on loopback if it is every address."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
