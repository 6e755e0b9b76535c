"""The quota store on a real Redis: one bucket for every process, pauses seen by all, and per-process
limits (with a warning and a metric) while Redis fails."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from providers.quota import AccountQuota, Bucket, RedisStore, Rule
from tests.support import REDIS_TEST_URL, require_or_skip

pytestmark = pytest.mark.redis


@pytest.fixture
async def clients() -> AsyncIterator[tuple[redis.Redis, redis.Redis]]:
    """Two connections, as two replicas would have."""
    first, second = redis.Redis.from_url(REDIS_TEST_URL), redis.Redis.from_url(REDIS_TEST_URL)
    try:
        await asyncio.wait_for(first.ping(), 2)
    except (OSError, redis.ConnectionError, TimeoutError):
        await first.aclose()
        await second.aclose()
        require_or_skip(False, f"no Redis at {REDIS_TEST_URL}")
    await first.flushdb()
    yield first, second
    await first.flushdb()
    await first.aclose()
    await second.aclose()


async def test_two_stores_share_one_bucket(clients: tuple[redis.Redis, redis.Redis]) -> None:
    stores = [RedisStore(client) for client in clients]
    bucket = Bucket("cig:quota:v1:test:acct:*", Rule(rate=10.0))
    waits: list[float] = []
    for i in range(6):
        wait = await stores[i % 2].reserve([bucket], "cig:quota:v1:test:acct:pause", max_wait=5.0)
        assert wait is not None
        waits.append(wait)
    assert waits[0] == pytest.approx(0.0, abs=0.02)
    # Each reservation, whichever replica makes it, lands 100 ms after the previous one.
    assert [b - a for a, b in itertools.pairwise(waits)] == pytest.approx([0.1] * 5, abs=0.02)


async def test_a_pause_from_one_replica_holds_the_other(clients: tuple[redis.Redis, redis.Redis]) -> None:
    throttled, other = (AccountQuota(RedisStore(client), "jdcloud", "acct") for client in clients)
    await throttled.throttled("describeImages", 0.3)
    wait = await other.store.reserve([], other.pause_key, max_wait=5.0)
    assert wait is not None and 0.2 < wait <= 0.3


async def test_a_failing_redis_limits_per_process_with_a_warning_and_a_metric(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures: list[str] = []
    client = redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)  # nothing listens there
    store = RedisStore(client, on_failure=failures.append)
    bucket = Bucket("cig:quota:v1:test:acct:*", Rule(rate=10.0))
    with caplog.at_level(logging.WARNING, logger="providers.quota"):
        waits = [await store.reserve([bucket], "pause", max_wait=5.0) for _ in range(3)]
    await client.aclose()
    assert failures == ["quota"]  # one failure, then Redis is left alone for `retry_seconds`
    assert "per process" in caplog.text
    assert waits[1] == pytest.approx(0.1, abs=0.02)  # still limited, by the local bucket
