from __future__ import annotations

import pytest

from tests.node_tools import ensure_node_modules


@pytest.fixture(autouse=True)
def node_tools() -> None:
    """Node.js with tests/node/node_modules installed (`npm ci` when missing or stale); skip without Node."""
    ensure_node_modules()
