"""Every pin file agrees with uv.lock, and uv.lock with pyproject.toml: `make lock` was run.

Offline: the files are read, never resolved again. uv.lock records each package's dependencies
(by extra, with markers), so the sets the generated files should hold are recomputed from it
here; a file resolved from an ``.in`` of its own is checked against that input. A failure
here means: run `make lock` (README, "Pins").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "infra" / "tools"
PROJECT = "sessions-api"
# Lambda's python3.13 on arm64, the layer's platform (template.yaml's Architectures).
LAMBDA = {
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "extra": "",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.+))?$")
STALE = "stale: run `make lock`"


def pins(path: Path) -> dict[str, str]:
    """A requirements file's ``name==version`` lines; anything else but comments fails."""
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.match(line)
        assert match, f"{path.relative_to(ROOT)}: not an exact pin: {line!r}"
        name = canonicalize_name(match[1])
        assert name not in found, f"{path.relative_to(ROOT)} pins {name} twice"
        found[name] = match[2]
    return found


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def lock() -> dict[str, dict[str, Any]]:
    """uv.lock's packages by name (one version each: the resolution does not fork)."""
    packages: dict[str, dict[str, Any]] = {}
    for package in tomllib.loads((ROOT / "uv.lock").read_text())["package"]:
        name = canonicalize_name(package["name"])
        assert name not in packages, f"uv.lock holds two versions of {name}"
        packages[name] = package
    return packages


def closure(
    packages: Mapping[str, Mapping[str, Any]],
    roots: Iterable[tuple[str, Iterable[str]]],
    environment: Mapping[str, str] | None = None,
) -> set[str]:
    """The packages ``roots`` (name, extras) need, by uv.lock's graph; a dependency whose marker
    is false in ``environment`` is left out (no environment: every platform's)."""
    needed: set[str] = set()
    pending = [(canonicalize_name(name), tuple(extras)) for name, extras in roots]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while pending:
        name, extras = pending.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        needed.add(name)
        package = packages[name]
        edges = list(package.get("dependencies", []))
        for extra in extras:
            edges += package.get("optional-dependencies", {})[extra]
        for edge in edges:
            marker = edge.get("marker")
            if (
                environment is not None
                and marker
                and not Marker(marker).evaluate(dict(environment))
            ):
                continue
            pending.append((canonicalize_name(edge["name"]), tuple(sorted(edge.get("extra", [])))))
    return needed


def _requirement_key(
    name: str, extras: Iterable[str], specifier: str, marker: str | None
) -> tuple[str, frozenset[str], str, str]:
    specifiers = ",".join(sorted(str(spec) for spec in SpecifierSet(specifier or "")))
    return (
        canonicalize_name(name),
        frozenset(extras),
        specifiers,
        str(Marker(marker)) if marker else "",
    )


def declared() -> list[tuple[Requirement, str | None]]:
    """pyproject.toml's requirements, each with the extra it belongs to (None: the project's)."""
    project = pyproject()["project"]
    found: list[tuple[Requirement, str | None]] = [
        (Requirement(r), None) for r in project["dependencies"]
    ]
    for extra, requirements in project["optional-dependencies"].items():
        found += [(Requirement(r), extra) for r in requirements]
    return found


def test_uv_lock_is_resolved_from_pyprojects_requirements() -> None:
    recorded = next(
        p for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"] if p["name"] == PROJECT
    )
    in_lock = {
        _requirement_key(r["name"], r.get("extras", []), r.get("specifier", ""), r.get("marker"))
        for r in recorded["metadata"]["requires-dist"]
    }
    in_pyproject = {
        _requirement_key(
            requirement.name,
            requirement.extras,
            str(requirement.specifier),
            f"extra == '{extra}'" if extra else None,
        )
        for requirement, extra in declared()
    }
    assert in_pyproject == in_lock, f"uv.lock was resolved from other requirements: {STALE}"


def test_pyprojects_requirements_hold_at_the_locked_versions() -> None:
    packages = lock()
    for requirement, _ in declared():
        version = packages[canonicalize_name(requirement.name)]["version"]
        assert Version(version) in requirement.specifier, (
            f"{requirement} locked at {version}: {STALE}"
        )


def test_the_dev_lock_is_uv_locks_dev_environment() -> None:
    packages = lock()
    needed = closure(packages, [(PROJECT, ["dev"])]) - {PROJECT}
    expected = {name: packages[name]["version"] for name in needed}
    assert pins(ROOT / "requirements-dev.lock") == expected, STALE


def test_the_layer_ships_what_the_code_needs_less_what_the_runtime_carries() -> None:
    packages = lock()
    needed = closure(packages, [(PROJECT, [])], LAMBDA) - {PROJECT}
    carried = set(pins(TOOLS / "lambda-runtime.txt"))
    expected = {name: packages[name]["version"] for name in needed - carried}
    assert pins(ROOT / "shared" / "requirements.txt") == expected, STALE
    # What the layer leaves to the runtime: the AWS SDK, and nothing the layer's own need.
    assert needed & carried == closure(packages, [("boto3", [])], LAMBDA)


def test_the_runtime_folder_holds_the_sdk_at_the_locked_versions() -> None:
    packages = lock()
    runtime = pins(TOOLS / "lambda-runtime.txt")
    assert closure(packages, [("boto3", [])]) <= set(runtime)
    for name, version in runtime.items():
        if name in packages:
            assert version == packages[name]["version"], f"lambda-runtime.txt: {name} {STALE}"


@pytest.mark.parametrize("stem", ["lambda-runtime", "sam", "checkov"])
def test_a_tools_environment_is_pinned_whole(stem: str) -> None:
    pinned = pins(TOOLS / f"{stem}.txt")
    requested = set()
    for line in (TOOLS / f"{stem}.in").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            requested.add(name)
            assert name in pinned, f"{stem}.txt lacks {name}: {STALE}"
            assert Version(pinned[name]) in requirement.specifier, f"{stem}.txt: {name} {STALE}"
    # What the file says was asked for is what the .in file asks for now: nothing dropped.
    text = (TOOLS / f"{stem}.txt").read_text()
    entries = re.split(r"^(?=[A-Za-z0-9])", text, flags=re.M)[1:]
    from_input = {
        canonicalize_name(entry.split("==")[0])
        for entry in entries
        if f"-r infra/tools/{stem}.in" in entry
    }
    assert from_input == requested, f"{stem}.txt was resolved from another {stem}.in: {STALE}"
    # Whatever a pinned package is pulled in by is pinned too: the graph is closed.
    via = re.findall(
        r"^ +#(?: via |   )([A-Za-z0-9][A-Za-z0-9._-]*)$", (TOOLS / f"{stem}.txt").read_text(), re.M
    )
    assert {canonicalize_name(name) for name in via} <= set(pinned)
