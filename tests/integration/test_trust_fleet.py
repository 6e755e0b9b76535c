"""The trust registry's fleet memory on a real Redis: lessons cross processes, at most every sync interval."""

from __future__ import annotations

import pytest
import redis.asyncio as redis

from providers.jdcloud.models import NAME as JDCLOUD
from providers.query import Origin, Pushed, Trust
from providers.trust import FLEET_TTL_SECONDS, TrustRegistry

pytestmark = pytest.mark.redis




async def test_a_running_process_learns_the_fleets_lessons_at_its_next_sync(redis_db: redis.Redis) -> None:
    now = [100.0]
    accounts = {JDCLOUD: "account-1"}
    teacher = TrustRegistry(fleet=redis_db, accounts=accounts)
    learner = TrustRegistry(fleet=redis_db, accounts=accounts, sync_seconds=5, clock=lambda: now[0])
    other_account = TrustRegistry(fleet=redis_db, accounts={JDCLOUD: "account-2"})
    await learner.sync()  # the first sync always reads (nothing yet)
    await teacher.drift(JDCLOUD, "imageName", "jdcloud/cn-north-1/public")
    await teacher.refusal(JDCLOUD, Pushed("imageSource", "community", Origin.PARTITION, lambda r: None), "x")
    now[0] += 1
    await learner.sync()
    assert learner.trust(JDCLOUD) == Trust()  # within the interval: not read again
    now[0] += 5
    await learner.sync()
    assert learner.trust(JDCLOUD) == Trust(frozenset({"imageName"}), frozenset({("imageSource", "community")}))
    await other_account.sync()
    assert other_account.trust(JDCLOUD) == Trust()  # lessons are per provider account
    [key] = [k.decode() for k in await redis_db.keys("*")]
    assert key == "cig:v1:trust:jdcloud:account-1"
    assert 0 < await redis_db.ttl(key) <= FLEET_TTL_SECONDS


async def test_a_redis_outage_keeps_lessons_in_the_process() -> None:
    registry = TrustRegistry(fleet=redis.Redis.from_url("redis://127.0.0.1:1/0"), accounts={JDCLOUD: "a"})
    await registry.sync()
    await registry.drift(JDCLOUD, "platform", "jdcloud/cn-north-1/public")
    assert registry.trust(JDCLOUD).untrusted == {"platform"}
    await registry.fleet.aclose()  # type: ignore[union-attr]
