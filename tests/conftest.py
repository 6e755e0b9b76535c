"""Fixtures every test package shares."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from tests.support import REDIS_TEST_URL, require_or_skip


@pytest.fixture
async def redis_db() -> AsyncIterator[redis.Redis]:
    """The test Redis database, flushed before and after the test (skipped without Redis, unless under CI)."""
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
