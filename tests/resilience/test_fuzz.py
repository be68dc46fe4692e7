"""Schemathesis against the local API, from the committed OpenAPI document, as a real user.

All four phases (examples, coverage, fuzzing, and stateful runs along the document's links
between create, get, update and delete) with every check: no server error, and no response
the document does not describe (status, headers, content type, body schema). Settings are in
schemathesis.toml; the seed is fixed, so a run is reproducible (SCHEMATHESIS_SEED changes it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.localapi import REPO, LocalApi

CONFIG = Path(__file__).with_name("schemathesis.toml")
DOCUMENT = REPO / "docs" / "openapi.json"
RUN_TIMEOUT_S = 600
# The embedded store gets the full run (schemathesis.toml); the second store the same phases
# and checks with fewer generated cases per operation: what differs between stores shows in
# the first few stateful sequences, and the full run would double the fuzzing time.
MAX_EXAMPLES = {"dynalite": 12}


def test_the_document_holds_under_fuzzing(
    local_api: LocalApi, dynamodb_store: str, tmp_path: Path
) -> None:
    token = local_api.token("fuzzer", cli=True)
    st = Path(sys.executable).with_name("st")
    seed = os.environ.get("SCHEMATHESIS_SEED", "20301")
    fewer = MAX_EXAMPLES.get(dynamodb_store)
    examples = [] if fewer is None else ["--max-examples", str(fewer)]
    result = subprocess.run(  # noqa: S603 - schemathesis' own CLI
        [
            str(st),
            "--config-file",
            str(CONFIG),
            "--no-color",
            "run",
            str(DOCUMENT),
            "--url",
            local_api.url,
            "--seed",
            seed,
            *examples,
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        cwd=REPO,
        env={**os.environ, "SESSIONS_API_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    summary = result.stdout[-20_000:]
    assert result.returncode == 0, f"{summary}\n{result.stderr[-5_000:]}"
    assert "5 selected / 5 total" in result.stdout, summary
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in result.stdout, summary
