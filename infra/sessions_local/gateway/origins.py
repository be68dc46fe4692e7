"""Which browser origins the local API lets in: any loopback origin, and those named at start-up.

The deployed API has one allowed origin (the template's ``AllowedOrigin``), sent the same on
every response. Locally a web app may run on any dev server port, so a request whose ``Origin``
is a loopback origin, or one named with ``--allowed-origin``, gets that origin back in
``Access-Control-Allow-Origin`` (with ``Vary: Origin``, as the answer now depends on it). Any
other origin gets the response as the deployed API would send it: the configured origin, which
a browser does not accept for another origin. A request without ``Origin`` is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sessions_local.runtimes.pool import ProxyResponse

_ALLOW_ORIGIN = "access-control-allow-origin"
ANY_ORIGIN = "*"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")

# An origin as a browser serialises it: scheme, host, optional port, nothing else (no path,
# user info, query or trailing dot). [0-9] rather than \d, which also matches other scripts'
# digits; matched with fullmatch, as $ would accept a trailing newline.
_ORIGIN = re.compile(
    r"(?P<scheme>https?)://(?P<host>[a-z0-9.-]+|\[::1\])(?::(?P<port>[0-9]{1,5}))?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _parts(origin: str) -> tuple[str, str, str | None] | None:
    """Scheme, host and port of an origin written exactly as a browser sends one, else None."""
    found = _ORIGIN.fullmatch(origin)
    if found is None:
        return None
    port = found["port"]
    # Browsers never send a leading zero or a port out of range; a value that has one was not
    # written by a browser, so it is no origin this API answers.
    if port is not None and (port.startswith("0") or int(port) > 65535):
        return None
    host = found["host"]
    if host.startswith(".") or host.endswith(".") or ".." in host:
        return None
    return found["scheme"], host, port


def is_loopback_origin(origin: str) -> bool:
    """``http(s)://localhost``, ``127.0.0.1`` or ``[::1]``, with or without a port.

    The host must be exactly one of those: ``http://localhost.evil.example`` and
    ``https://localhost@evil.example`` are other hosts.
    """
    parts = _parts(origin)
    return parts is not None and parts[1] in LOOPBACK_HOSTS


def canonical_origin(text: str) -> str:
    """A named origin as browsers send it (lower case, no default port); ``*`` as it is.

    Raises ValueError for anything else, so a typo is caught at start-up, not by a browser.
    """
    if text == ANY_ORIGIN:
        return text
    # Browsers send scheme and host in lower case; a name written otherwise still matches.
    parts = _parts(text.lower())
    if parts is None:
        raise ValueError(
            f"{text!r} is not an origin: scheme http or https, host, optional port "
            "(https://app.example.com, http://192.168.1.20:8080), or *"
        )
    scheme, host, port = parts
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True)
class LocalOrigins:
    """The origins allowed locally: every loopback origin and ``named`` (canonical forms)."""

    named: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return ANY_ORIGIN in self.named

    def allows(self, origin: str) -> bool:
        # Named origins are kept as browsers send them, so an exact match is enough.
        return self.any or is_loopback_origin(origin) or origin in self.named

    def describe(self) -> str:
        """For the banner: where a browser may call from."""
        if self.any:
            return "any origin (*)"
        loopback = (
            "any loopback origin (http://localhost:<port>, http://127.0.0.1:<port>, "
            "http://[::1]:<port>)"
        )
        return f"{loopback} and {', '.join(self.named)}" if self.named else loopback

    def answer(self, response: ProxyResponse, origin: str | None) -> ProxyResponse:
        """``response`` with its CORS origin fitted to the request's ``Origin``.

        Only a response that already carries CORS headers is changed (the local-only paths,
        such as the token endpoint, carry none and get none). With ``*`` every origin is
        already allowed, and the response stays as the deployed API sends it.
        """
        if origin is None or not self.allows(origin):
            return response
        current = [value for name, value in response.headers if name.lower() == _ALLOW_ORIGIN]
        if not current or ANY_ORIGIN in current:
            return response
        headers = [
            (name, origin if name.lower() == _ALLOW_ORIGIN else value)
            for name, value in response.headers
        ]
        varies = ",".join(value for name, value in headers if name.lower() == "vary")
        if "origin" not in {token.strip().lower() for token in varies.split(",")}:
            headers.append(("Vary", "Origin"))
        return replace(response, headers=headers)
