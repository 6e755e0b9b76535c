from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .harness import Stack, running_stack


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    """A fresh service and emulators per test: counters, faults and caches start clean."""
    async with running_stack() as s:
        yield s
