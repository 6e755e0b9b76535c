from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from graphql_api.schema import Schema

from .harness import Stack, running_stack


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    """A fresh service and emulators per test: counters, faults and caches start clean."""
    async with running_stack() as s:
        yield s


@pytest.fixture
def executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every document Strawberry parses, validates and executes (Schema.execute does all three)."""
    seen: list[str] = []
    original = Schema.execute

    async def spy(self: Schema, query: str | None, *args: Any, **kwargs: Any) -> Any:
        seen.append(query or "")
        return await original(self, query, *args, **kwargs)

    monkeypatch.setattr(Schema, "execute", spy)
    return seen
