"""Matching a request path to a template route, as API Gateway REST APIs do.

A resource path is a list of segments: literals (``sessions``), parameters (``{id}``, one
segment) and a trailing greedy parameter (``{proxy+}``, the rest of the path). Where several
resources match, the one with the more specific segment first wins: a literal before a
parameter, a parameter before a greedy one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from sessions_local.stack import RouteSpec
from sessions_local.stack.model import HTTP_METHODS


@dataclass(frozen=True)
class Resource:
    path: str  # /sessions/{id}
    segments: tuple[str, ...]
    methods: dict[str, RouteSpec] = field(default_factory=dict, compare=False, hash=False)

    def route_for(self, method: str) -> RouteSpec | None:
        return self.methods.get(method) or self.methods.get("ANY")

    def allowed_methods(self) -> list[str]:
        if "ANY" in self.methods:
            return [m for m in HTTP_METHODS if m != "OPTIONS"]
        return sorted(self.methods)

    def match(self, parts: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
        """A sort key (lower is more specific) and the path parameters, or None."""
        params: dict[str, str] = {}
        rank: list[int] = []
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest or not any(rest):
                    return None
                params[segment[1:-2]] = "/".join(rest)
                rank.append(2)
                return tuple(rank), params
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                if parts[index] == "":
                    return None
                params[segment[1:-1]] = parts[index]
                rank.append(1)
            elif segment == parts[index]:
                rank.append(0)
            else:
                return None
        if len(parts) != len(self.segments):
            return None
        return tuple(rank), params


def normalise(path: str) -> str:
    return "/" + "/".join(_segments(path))


def _segments(path: str) -> list[str]:
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


class RouteTable:
    def __init__(self, routes: Iterable[RouteSpec], other_paths: Iterable[str] = ()) -> None:
        """Resources for the routes' paths, and for paths that only have mock integrations."""
        self._resources: dict[str, Resource] = {}
        for route in routes:
            self._resource(route.path).methods[route.method] = route
        for path in other_paths:
            self._resource(path)

    def _resource(self, path: str) -> Resource:
        key = normalise(path)
        return self._resources.setdefault(key, Resource(path=key, segments=tuple(_segments(key))))

    @property
    def resources(self) -> list[Resource]:
        return sorted(self._resources.values(), key=lambda resource: resource.path)

    def match(self, raw_path: str) -> tuple[Resource, dict[str, str]] | None:
        """The most specific resource for a request path and its decoded path parameters."""
        parts = [unquote(part) for part in _segments(raw_path)]
        best: tuple[tuple[int, ...], Resource, dict[str, str]] | None = None
        for resource in self._resources.values():
            found = resource.match(parts)
            if found is not None and (best is None or found[0] < best[0]):
                best = (found[0], resource, found[1])
        return None if best is None else (best[1], best[2])
