"""CachedCatalog over the real Zenlayer client and emulator, with aiocache in memory and in a real Redis."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio
from aiocache import Cache
from aiocache.base import BaseCache
from aiocache.serializers import PickleSerializer

from providers import operation
from providers.base import ImageRecord
from providers.cache import CachedCatalog
from providers.emulation import CallCounter, Faults
from providers.errors import AuthFailedError, DeadlineExceededError, NotFoundError, UnavailableError
from providers.zenlayer.catalog import default_catalog
from providers.zenlayer.client import ZenlayerClient
from providers.zenlayer.emulator import create_app
from providers.zenlayer.signing import DEMO_CREDENTIALS
from tests.support import FAST_POLICY, REDIS_TEST_URL, require_or_skip, serve, transport

REDIS_URL = REDIS_TEST_URL  # flushed before and after each test
ZONE = default_catalog().zone_ids[0]
IMAGE_IDS = [str(record["imageId"]) for record in default_catalog().images_by_zone[ZONE][:6]]
TTL = 60.0


async def close(cache: BaseCache) -> None:
    if cache.NAME == "redis":  # aiocache's close() calls redis' deprecated close(); close the client itself
        await cache.client.aclose()
    else:
        await cache.close()


def redis_listening(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class RecordingClient(ZenlayerClient):
    """The real client, remembering which ids each get_images call asked the provider for."""

    asked: list[list[str]]

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]:
        self.asked.append(list(image_ids))
        return await super().get_images(location, image_ids)


@dataclass
class Setup:
    faults: Faults
    counter: CallCounter
    client: RecordingClient
    backend: BaseCache
    lookups: list[tuple[str, str, bool]] = field(default_factory=list)

    def cached(self, ttl: float = TTL, backend: Any = None) -> CachedCatalog:
        return CachedCatalog(self.client, backend or self.backend, ttl=ttl,
                             on_lookup=lambda *lookup: self.lookups.append(lookup))

    @property
    def describe_images(self) -> int:
        return self.counter["DescribeImages"]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[BaseCache]:
    if request.param == "memory":
        cache: BaseCache = Cache(Cache.MEMORY, serializer=PickleSerializer())
        yield cache
        await cache.clear()
        await close(cache)
        return
    require_or_skip(redis_listening(), "no Redis on 127.0.0.1:6379")
    admin = redis.asyncio.Redis.from_url(REDIS_URL)
    await admin.flushdb()
    cache = Cache.from_url(REDIS_URL)
    cache.serializer = PickleSerializer()
    try:
        yield cache
    finally:
        await close(cache)
        await admin.flushdb()
        await admin.aclose()


@pytest.fixture
async def setup(backend: BaseCache) -> AsyncIterator[Setup]:
    faults, counter = Faults(), CallCounter()
    async with serve(create_app(faults=faults, counter=counter)) as url, transport() as t:
        client = RecordingClient(t, DEMO_CREDENTIALS, url)
        client.asked = []
        yield Setup(faults, counter, client, backend)


async def images(catalog: CachedCatalog, **params: Any) -> list[str]:
    page = await catalog.list_images(ZONE, params, page_number=1, page_size=5)
    return [record.image_id for record in page.records]


async def test_a_repeated_request_is_answered_from_the_cache(setup: Setup) -> None:
    cached = setup.cached()
    first = await cached.list_images(ZONE, {}, page_number=1, page_size=5)
    again = await cached.list_images(ZONE, {}, page_number=1, page_size=5)
    assert setup.describe_images == 1
    assert again.records == first.records
    assert again.fetched_at == first.fetched_at  # a cached answer states when the provider gave it


async def test_different_requests_are_cached_apart(setup: Setup) -> None:
    cached = setup.cached()
    assert await images(cached) != await images(cached, osType="windows")
    page_two = await cached.list_images(ZONE, {}, page_number=2, page_size=5)
    await images(cached)
    await images(cached, osType="windows")
    await cached.list_images(ZONE, {}, page_number=2, page_size=5)
    assert setup.describe_images == 3
    assert page_two.records


async def test_the_cache_is_shared_across_catalog_instances(setup: Setup) -> None:
    """What a second request (or, with Redis, a second worker) sees."""
    await images(setup.cached())
    await images(setup.cached())
    assert setup.describe_images == 1


async def test_concurrent_misses_share_one_upstream_call(setup: Setup) -> None:
    setup.faults.latency_ms = 50  # the first call is still in flight when the others ask
    cached = setup.cached()
    answers = await asyncio.gather(*(images(cached) for _ in range(5)))
    assert setup.describe_images == 1
    assert all(answer == answers[0] and answer for answer in answers)


async def test_concurrent_misses_share_a_failure_and_it_is_not_cached(setup: Setup) -> None:
    setup.faults.latency_ms = 30
    setup.faults.queue(*["error"] * FAST_POLICY.max_attempts)  # one whole call fails, retries included
    cached = setup.cached()
    results = await asyncio.gather(*(images(cached) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(result, UnavailableError) for result in results), results
    assert setup.describe_images == FAST_POLICY.max_attempts  # the waiters did not start calls of their own
    assert await images(cached)  # the next request goes upstream again and succeeds
    assert setup.describe_images == FAST_POLICY.max_attempts + 1


async def test_a_refusal_is_not_cached_either(setup: Setup) -> None:
    cached = setup.cached()
    for _ in range(2):
        with pytest.raises(NotFoundError):
            await cached.list_images("atlantis-1a", {}, page_number=1, page_size=5)
    assert setup.describe_images == 2


async def test_a_cancelled_caller_does_not_fail_the_others_waiting_on_its_call(setup: Setup) -> None:
    setup.faults.latency_ms = 50
    cached = setup.cached()
    leader = asyncio.create_task(images(cached))
    for _ in range(400):  # until the leader's call is in flight (a loaded machine takes a while)
        if setup.describe_images:
            break
        await asyncio.sleep(0.005)
    follower = asyncio.create_task(images(cached))
    await asyncio.sleep(0.01)
    leader.cancel()  # e.g. its client disconnected
    assert await follower == IMAGE_IDS[:5]  # it made the call itself once the shared one was abandoned
    assert setup.describe_images == 2
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_get_images_caches_each_id(setup: Setup) -> None:
    cached = setup.cached()
    a, b, c, d = IMAGE_IDS[:4]
    assert [r.image_id for r in await cached.get_images(ZONE, [a, b])] == [a, b]
    assert [r.image_id for r in await cached.get_images(ZONE, [c, b, d])] == [c, b, d]
    assert [r.image_id for r in await cached.get_images(ZONE, [d, a, c, b])] == [d, a, c, b]
    assert setup.client.asked == [[a, b], [c, d]]  # only ids never seen before go upstream
    assert setup.describe_images == 2


async def test_get_images_answers_like_the_uncached_client(setup: Setup) -> None:
    a, b = IMAGE_IDS[:2]
    asked = [b, "img-does-not-exist", a, b]  # an unknown id and a repeated one
    expected = [r.image_id for r in await setup.client.get_images(ZONE, asked)]
    cached = setup.cached()
    assert [r.image_id for r in await cached.get_images(ZONE, asked)] == expected  # cold
    assert [r.image_id for r in await cached.get_images(ZONE, asked)] == expected  # warm


async def test_entries_expire_after_the_ttl(setup: Setup) -> None:
    cached = setup.cached(ttl=0.1)
    await images(cached)
    await images(cached)
    assert setup.describe_images == 1
    await asyncio.sleep(0.15)
    await images(cached)
    assert setup.describe_images == 2


async def test_on_lookup_reports_hits_and_misses(setup: Setup) -> None:
    cached = setup.cached()
    a, b, c = IMAGE_IDS[:3]
    await images(cached)
    await images(cached)
    await cached.get_images(ZONE, [a, b])
    await cached.get_images(ZONE, [b, c])
    assert setup.lookups == [
        ("zenlayer", "images", False), ("zenlayer", "images", True),
        ("zenlayer", "image", False), ("zenlayer", "image", False),
        ("zenlayer", "image", True), ("zenlayer", "image", False),
    ]


class KeyRecorder:
    """Passes every call to a real aiocache backend and remembers the keys written."""

    def __init__(self, inner: BaseCache) -> None:
        self.inner, self.keys = inner, set[str]()

    async def get(self, key: str, default: Any = None) -> Any:
        return await self.inner.get(key, default)

    async def set(self, key: str, value: Any, ttl: float | None = None) -> Any:
        self.keys.add(key)
        return await self.inner.set(key, value, ttl=ttl)


async def test_keys_name_the_account_by_digest_and_hold_no_credential(setup: Setup) -> None:
    recorder = KeyRecorder(setup.backend)
    cached = setup.cached(backend=recorder)
    await cached.list_locations()
    await images(cached, imageName="ubuntu")
    await cached.get_images(ZONE, IMAGE_IDS[:2])
    await cached.list_volumes(ZONE, {}, page_number=1, page_size=5)
    assert len(recorder.keys) == 5
    assert all(setup.client.account_key in key for key in recorder.keys)
    for key in recorder.keys:
        assert DEMO_CREDENTIALS.access_key_id not in key
        assert DEMO_CREDENTIALS.access_key_password not in key
        assert "ubuntu" not in key  # filter values are digested too
    for key in recorder.keys:
        assert await setup.backend.exists(key)
    if setup.backend.NAME == "redis":  # and Redis holds nothing else
        admin = redis.asyncio.Redis.from_url(REDIS_URL, decode_responses=True)
        try:
            assert {key for key in await admin.keys("*")} == recorder.keys
        finally:
            await admin.aclose()


@pytest.fixture
async def unreachable_cache() -> AsyncIterator[BaseCache]:
    cache = Cache.from_url("redis://:sekrit-cache-password@127.0.0.1:1/0")
    cache.serializer = PickleSerializer()
    yield cache
    await close(cache)


async def test_a_cache_outage_is_bypassed_and_logged_without_secrets(
    setup: Setup, unreachable_cache: BaseCache, caplog: pytest.LogCaptureFixture
) -> None:
    cached = setup.cached(backend=unreachable_cache)
    with caplog.at_level(logging.DEBUG):
        assert await images(cached) == IMAGE_IDS[:5]
        assert [r.image_id for r in await cached.get_images(ZONE, IMAGE_IDS[:2])] == IMAGE_IDS[:2]
        assert await images(cached) == IMAGE_IDS[:5]
    assert setup.describe_images == 3  # every answer came from the provider
    warnings = [r.getMessage() for r in caplog.records if r.name == "providers.cache"]
    assert any("cache read failed" in w for w in warnings) and any("cache write failed" in w for w in warnings)
    for secret in ("sekrit-cache-password", DEMO_CREDENTIALS.access_key_password, DEMO_CREDENTIALS.access_key_id):
        assert secret not in caplog.text



# --- past the TTL: stale-if-error, the client's max-age, a hanging backend --------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_failure_past_the_ttl_serves_the_last_answer_within_the_grace_only(setup: Setup) -> None:
    clock = Clock()
    cached = CachedCatalog(setup.client, setup.backend, ttl=10, stale_if_error=60, clock=clock)
    first = await cached.list_images(ZONE, {}, page_number=1, page_size=5)
    clock.now += 30  # expired, within the grace
    setup.faults.error_rate = 1.0
    with operation.running(operation.Operation()) as op:
        again = await cached.list_images(ZONE, {}, page_number=1, page_size=5)
    assert again.records == first.records
    assert [(s.location, s.reason) for s in op.stale] == [(ZONE, "UnavailableError")]
    assert {op.freshness_of(r, r.fetched_at) for r in again.records} == {operation.Freshness.STALE}
    assert op.oldest_cached == clock.now - 30
    clock.now += 60  # past the grace: the error surfaces
    with pytest.raises(UnavailableError):
        await cached.list_images(ZONE, {}, page_number=1, page_size=5)


async def test_refused_credentials_serve_the_last_answer_and_get_images_is_stale_as_a_whole(setup: Setup) -> None:
    clock = Clock()
    cached = CachedCatalog(setup.client, setup.backend, ttl=10, stale_if_error=60, clock=clock)
    await cached.list_images(ZONE, {}, page_number=1, page_size=5)
    known = await cached.get_images(ZONE, IMAGE_IDS[:2])
    clock.now += 30
    setup.faults.update({"always": "auth"})  # credentials refused: the provider cannot answer us
    assert (await cached.list_images(ZONE, {}, page_number=1, page_size=5)).records
    assert await cached.get_images(ZONE, IMAGE_IDS[:2]) == known
    with pytest.raises(AuthFailedError):  # one id never seen: no partial answer passing it off as deleted
        await cached.get_images(ZONE, IMAGE_IDS[:3])


async def test_a_client_max_age_below_the_ttl_asks_again(setup: Setup) -> None:
    clock = Clock()
    cached = CachedCatalog(setup.client, setup.backend, ttl=300, clock=clock)
    await images(cached)
    clock.now += 20
    with operation.running(operation.Operation(max_age=30)):
        await images(cached)
    assert setup.describe_images == 1
    with operation.running(operation.Operation(max_age=10)):
        await images(cached)
    assert setup.describe_images == 2


class Hanging:
    async def get(self, key: str, default: Any = None) -> Any:
        await asyncio.sleep(3600)

    async def set(self, key: str, value: Any, ttl: float | None = None) -> Any:
        return None


async def test_a_hanging_backend_is_a_failed_read_at_the_deadline(setup: Setup) -> None:
    failures: list[str] = []
    cached = CachedCatalog(setup.client, Hanging(), ttl=TTL, on_failure=failures.append)
    with operation.running(operation.Operation.within(0.2)), pytest.raises(DeadlineExceededError):
        await images(cached)
    assert failures == ["cache"] and setup.describe_images == 0
