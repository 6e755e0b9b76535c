from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as redis

from graphql_api.schema import Schema
from tests.support import REDIS_TEST_URL, require_or_skip

from .harness import Stack, running_stack


@pytest.fixture
async def stack() -> AsyncIterator[Stack]:
    """A fresh service and emulators per test: counters, faults and caches start clean."""
    async with running_stack() as s:
        yield s


@pytest.fixture
async def redis_db() -> AsyncIterator[redis.Redis]:
    """The test Redis database, flushed before and after (skipped when no Redis answers)."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        await asyncio.wait_for(client.ping(), 2)
    except (OSError, redis.ConnectionError, TimeoutError):
        await client.aclose()
        require_or_skip(False, f"no Redis at {REDIS_TEST_URL}")
    await client.flushdb()
    yield client
    await client.flushdb()
    await client.aclose()


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
