"""The local Sessions API: real handlers behind Cognito-style token checks, no AWS, no Docker."""

# Paths the local API serves besides the template's routes.
TOKEN_PATH = "/_local/token"  # noqa: S105 - a URL path, not a secret
HEALTH_PATH = "/_local/health"
# What a front end needs to sign in locally, and the Cognito user-pool API it signs in with.
AUTH_PATH = "/_local/auth"
COGNITO_PATH = "/_local/cognito"
# Longest lifetime of a local access or ID token (Cognito allows up to one day).
MAX_TOKEN_TTL_S = 86400
