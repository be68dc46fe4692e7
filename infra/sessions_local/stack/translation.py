"""AWS SAM's translation of a template, made by ``sam_translation.py`` in the SAM CLI's own
environment and kept in ``.aws-sam/local/`` under the digest of the template and the script."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("sam_translation.py")
SAM_PYTHON = Path(".tools") / "sam" / "bin" / "python"
PROJECT = Path(__file__).resolve().parents[3]  # the project this package belongs to


class TemplateError(Exception):
    """The template cannot be read or translated, or lacks what the local API needs."""


def project_root(template: Path) -> Path:
    """The nearest folder from the template's up (else this package's project) with the SAM CLI."""
    for folder in (template.parent, *template.parent.parents, PROJECT):
        if (folder / SAM_PYTHON).exists():
            return folder
    raise TemplateError(f"the SAM CLI is not installed beside {template.name}: run `make setup`")


def translate(template: Path, *, root: Path | None = None) -> dict[str, Any]:
    """``{"expanded": <SAM template>, "translated": <CloudFormation>}`` for ``template``."""
    template = template.resolve()
    try:
        text = template.read_bytes()
    except OSError as error:
        raise TemplateError(f"cannot read {template}: {error.strerror}") from error
    root = root or project_root(template)
    digest = hashlib.sha256(text + b"\0" + SCRIPT.read_bytes()).hexdigest()[:32]
    cached = root / ".aws-sam" / "local" / f"translation-{digest}.json"
    if not cached.is_file():
        done = subprocess.run(  # noqa: S603 - the project's pinned SAM CLI
            [str(root / SAM_PYTHON), str(SCRIPT), str(template)],
            capture_output=True,
            text=True,
            # The translator needs no account: no telemetry, no instance-metadata lookup.
            env={**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_EC2_METADATA_DISABLED": "true"},
            check=False,
        )
        if done.returncode != 0:
            raise TemplateError(f"AWS SAM cannot translate {template.name}: {done.stderr.strip()}")
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.partial")  # readers never see half a file
        partial.write_text(done.stdout, encoding="utf-8")
        partial.replace(cached)
    translation: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
    return translation
