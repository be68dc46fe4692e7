"""API Gateway's side of a request, from the socket to a function and back."""

from sessions_local.gateway.events import IncomingRequest, build_event
from sessions_local.gateway.local_gateway import GATEWAY, Authorizer, LocalGateway, Mock, Outcome
from sessions_local.gateway.server import LocalHttpServer, configure_logging, listen

__all__ = [
    "GATEWAY",
    "Authorizer",
    "IncomingRequest",
    "LocalGateway",
    "LocalHttpServer",
    "Mock",
    "Outcome",
    "build_event",
    "configure_logging",
    "listen",
]
