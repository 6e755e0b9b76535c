"""One quota for the fleet: two service processes sharing one real Redis and one JD Cloud emulator that
enforces a quota. Under a burst of queries from both, the emulator sees no more calls per second than
its quota and answers no 429; with per-process limits (no Redis) the same burst exceeds it."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import aiohttp
import pytest
import redis.asyncio as redis

from providers.jdcloud import emulator as jd_emulator
from providers.jdcloud.signing import DEMO_CREDENTIALS as JD_DEMO
from tests.support import REDIS_TEST_URL, Emulated, emulated, require_or_skip

from .test_cli import ROOT, SCRIPT, clean_env, free_port

pytestmark = pytest.mark.redis

PROVIDER_QUOTA = 5  # calls per second the emulator accepts (sliding one-second window)
# The service is configured below the provider's quota: calls leave at exact intervals, but arrive
# with a few milliseconds of network and scheduling jitter, which a window at the quota would catch.
SERVICE_RATE = 4
QUERIES_PER_SERVICE = 5
# One describeImages call per query: one region, one image source, no cache.
QUERY = '{ images(first: 1, filter: { locations: ["cn-north-1"], source: OFFICIAL }) { totalCount } }'


@asynccontextmanager
async def service(env: dict[str, str], session: aiohttp.ClientSession) -> AsyncIterator[str]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT), "serve", "--port", str(port), env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                async with session.get(url + "/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        else:
            pytest.fail("the service did not start within 30 s")
        yield url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)


def fleet_env(emulator: Emulated, cache_url: str) -> dict[str, str]:
    return clean_env(
        JDCLOUD_ACCESS_KEY=JD_DEMO.access_key, JDCLOUD_SECRET_KEY=JD_DEMO.secret_key,
        JDCLOUD_VM_ENDPOINT=emulator.url, JDCLOUD_DISK_ENDPOINT=emulator.url, JDCLOUD_REGIONS="cn-north-1",
        CIG_CACHE_URL=cache_url, CIG_CACHE_TTL="0", CIG_JDCLOUD_RATE_LIMIT=str(SERVICE_RATE),
        CIG_OPERATION_TIMEOUT="10", CIG_QUOTA_MAX_WAIT="10", CIG_UPSTREAM_MAX_ATTEMPTS="1", CIG_LOG_LEVEL="WARNING",
    )


async def burst(urls: Sequence[str], session: aiohttp.ClientSession) -> list[dict[str, Any]]:
    async def one(url: str) -> dict[str, Any]:
        async with session.post(url + "/graphql", json={"query": QUERY}) as response:
            return await response.json()  # type: ignore[no-any-return]

    return list(await asyncio.gather(*(one(url) for url in urls for _ in range(QUERIES_PER_SERVICE))))


async def run_fleet(cache_url: str) -> tuple[Emulated, list[dict[str, Any]]]:
    async with AsyncExitStack() as stack:
        emulator = await stack.enter_async_context(emulated(jd_emulator.create_app))
        session = await stack.enter_async_context(aiohttp.ClientSession())
        env = fleet_env(emulator, cache_url)
        urls = await asyncio.gather(*(stack.enter_async_context(service(env, session)) for _ in range(2)))
        emulator.faults.quota_per_second = PROVIDER_QUOTA
        emulator.faults.retry_after_seconds = 1.0
        answers = await burst(urls, session)
        return emulator, answers


async def test_two_replicas_share_one_quota_through_redis() -> None:
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        await asyncio.wait_for(client.ping(), 2)
    except (OSError, redis.ConnectionError, TimeoutError):
        require_or_skip(False, f"no Redis at {REDIS_TEST_URL}")
    finally:
        await client.flushdb()
        await client.aclose()

    shared, answers = await run_fleet(REDIS_TEST_URL)
    assert all("errors" not in a and a["data"]["images"]["totalCount"] > 0 for a in answers), answers
    assert shared.counter["describeImages"] == 2 * QUERIES_PER_SERVICE
    assert shared.counter.throttled == 0
    assert shared.counter.max_per_second() <= PROVIDER_QUOTA

    # The same burst with each process limiting only itself: together they go over the quota.
    apart, _ = await run_fleet("memory://")
    assert apart.counter.max_per_second() > PROVIDER_QUOTA
    assert apart.counter.throttled > 0
