"""The cross-request cache on a real Redis: shared by service instances, keyed without secrets."""

from __future__ import annotations

import pytest
import redis.asyncio as redis

from providers.jdcloud.signing import DEMO_CREDENTIALS as JD_DEMO
from providers.zenlayer.signing import DEMO_CREDENTIALS as ZEN_DEMO
from tests.support import REDIS_TEST_URL

from .harness import running_stack
from .queries import PAGE, codes, page

REDIS_URL = REDIS_TEST_URL

pytestmark = pytest.mark.redis


async def test_two_service_instances_share_answers_through_redis(redis_db: redis.Redis) -> None:
    query = {"filter": {"locations": ["asia-east-1a", "cn-north-1"]}, "first": 30}
    async with running_stack(cache_url=REDIS_URL) as first:
        expected = await page(first, **query)
        assert first.calls > 0
    async with running_stack(cache_url=REDIS_URL) as second:  # a new process-equivalent, same Redis
        assert await page(second, **query) == {**expected}
        assert second.calls == 0  # every provider answer came from Redis
    keys = [key.decode() for key in await redis_db.keys("*")]
    assert keys and all(key.startswith(("cig:v3:", "cig:quota:v1:", "cig:v1:response:")) for key in keys)
    secrets = (ZEN_DEMO.access_key_password, JD_DEMO.secret_key, ZEN_DEMO.access_key_id, JD_DEMO.access_key)
    assert not [key for key in keys if any(secret in key for secret in secrets)]


async def test_a_redis_outage_degrades_to_uncached_answers_and_per_process_quotas() -> None:
    async with running_stack(cache_url="redis://127.0.0.1:1/0", stale_if_error=60.0) as stack:  # nothing on port 1
        result = await page(stack, first=5)
        assert len(result["edges"]) == 5
        calls = stack.calls
        await page(stack, first=5)
        assert stack.calls == 2 * calls  # nothing cached, nothing failed
        stack.jdcloud.faults.error_rate = 1.0
        body = await stack.graphql(PAGE, {"first": 5, "filter": {"providers": ["JDCLOUD"]}})
        assert set(codes(body)) == {"UPSTREAM_UNAVAILABLE"}  # no stale data to fall back on
        async with stack.session.get(stack.url + "/metrics") as response:
            metrics = await response.text()
        for component in ("cache", "quota"):
            line = next(m for m in metrics.splitlines()
                        if m.startswith(f'cig_shared_state_failures_total{{component="{component}"}}'))
            assert float(line.rpartition(" ")[2]) > 0
