"""A third cloud in two edits: tests/thirdcloud registers a test-only provider through
`providers.registry` alone, and its acceptance tests run in a child process (the GraphQL types read
the registry when first imported, so this process, with its two-provider schema, cannot host them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_third_provider_registered_through_the_registry_alone_works_across_the_api() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/thirdcloud/across_three.py"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert re.search(r"^9 passed in ", result.stdout, re.MULTILINE), result.stdout  # all ran, none skipped
