"""API Gateway's side of a request, from the socket to a function and back."""

from sessions_local.gateway.events import (
    IncomingRequest as IncomingRequest,
    build_event as build_event,
    encode_body as encode_body,
)
from sessions_local.gateway.local_gateway import (
    Authorizer as Authorizer,
    LocalGateway as LocalGateway,
    Mock as Mock,
    Outcome as Outcome,
    RouteTable as RouteTable,
    TokenRejected as TokenRejected,
    TokenVerifier as TokenVerifier,
    gateway_claims as gateway_claims,
)
from sessions_local.gateway.responses import (
    Cors as Cors,
    GatewayResponses as GatewayResponses,
    Rendered as Rendered,
    render_template as render_template,
)
from sessions_local.gateway.server import (
    LocalOrigins as LocalOrigins,
    canonical_origin as canonical_origin,
    is_loopback_origin as is_loopback_origin,
)
