"""API Gateway's side of a request, from the socket to a function and back."""

from sessions_local.gateway.events import IncomingRequest, build_event, encode_body
from sessions_local.gateway.local_gateway import (
    GATEWAY,
    Authorizer,
    LocalGateway,
    Mock,
    Outcome,
    RouteTable,
    TokenRejected,
    TokenVerifier,
    gateway_claims,
    normalise,
)
from sessions_local.gateway.responses import (
    Cors,
    GatewayResponses,
    Rendered,
    problem,
    render_template,
)
from sessions_local.gateway.server import (
    LocalHttpServer,
    LocalOrigins,
    canonical_origin,
    configure_logging,
    is_loopback_origin,
    listen,
)

__all__ = [
    "GATEWAY",
    "Authorizer",
    "Cors",
    "GatewayResponses",
    "IncomingRequest",
    "LocalGateway",
    "LocalHttpServer",
    "LocalOrigins",
    "Mock",
    "Outcome",
    "Rendered",
    "RouteTable",
    "TokenRejected",
    "TokenVerifier",
    "build_event",
    "canonical_origin",
    "configure_logging",
    "encode_body",
    "gateway_claims",
    "is_loopback_origin",
    "listen",
    "normalise",
    "problem",
    "render_template",
]
