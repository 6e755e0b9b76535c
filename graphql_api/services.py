"""Process-wide services, built in the app's lifespan and closed there: the one aiohttp session, the
transport with its circuit breakers and quota store, provider clients (each with its account's quota)
behind the cross-request cache, and (demo mode) the embedded emulators.

With `CIG_CACHE_URL=redis://...` the quotas live in that Redis too (one quota for every replica);
with `memory://` they are per process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import redis.asyncio as redis
from aiocache import Cache
from aiocache.serializers import PickleSerializer

from providers.base import ImageCatalog, ProviderName
from providers.breaker import Breakers
from providers.cache import CachedCatalog
from providers.http import CallOutcome, CallPolicy, Transport
from providers.memory_cache import BoundedMemoryCache
from providers.quota import LocalStore, QuotaStore, RedisStore
from providers.registry import PROVIDERS
from providers.trust import TrustRegistry
from resolvers.loaders import Limits

from . import demo
from .metrics import Metrics
from .settings import Settings

log = logging.getLogger("graphql_api")


@dataclass
class Services:
    settings: Settings
    catalogs: dict[ProviderName, ImageCatalog]
    limits: Limits
    metrics: Metrics
    trust: TrustRegistry = field(default_factory=TrustRegistry)  # pushdown lessons (drift, refusals)
    demo: bool = False  # the providers are the embedded emulators
    demo_urls: dict[str, str] = field(default_factory=dict)
    breakers: Breakers = field(default_factory=Breakers)


def _cache(settings: Settings) -> Cache | BoundedMemoryCache:
    if settings.cache_url.startswith("memory://"):
        return BoundedMemoryCache(
            max_entries=settings.memory_cache_max_entries, max_bytes=settings.memory_cache_max_bytes
        )
    cache = Cache.from_url(settings.cache_url)
    # Redis stores bytes: pickle keeps the normalized records intact (only this service writes them).
    cache.serializer = PickleSerializer()
    return cache


async def _close_cache(cache: Any) -> None:
    # aiocache's RedisCache.close() calls redis-py's deprecated close(); aclose() is the current API.
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "aclose"):
        await client.aclose()
    else:
        await cache.close()


# Redis calls for the quota give up fast: a slow Redis must not eat the operation's deadline.
QUOTA_REDIS_TIMEOUT_SECONDS = 0.5


@asynccontextmanager
async def running(
    settings: Settings,
    metrics: Metrics | None = None,
    *,
    observe: Callable[[CallOutcome], None] | None = None,
    on_lookup: Callable[[str, str, bool], None] | None = None,
    propagate: Callable[[dict[str, str]], None] | None = None,
) -> AsyncIterator[Services]:
    """`observe` and `on_lookup` see every provider attempt and cache lookup (default: the metrics);
    `propagate` adds trace-context headers to every provider request (tracing on)."""
    metrics = metrics or Metrics()
    async with AsyncExitStack() as stack:
        demo_urls: dict[str, str] = {}
        if settings.demo_mode:
            embedded = await stack.enter_async_context(demo.emulators())
            settings = embedded.settings(settings)
            demo_urls = embedded.urls
        session = await stack.enter_async_context(
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100, ttl_dns_cache=300))
        )
        breakers = Breakers(
            failure_threshold=settings.breaker_failures, open_seconds=settings.breaker_open_seconds,
            on_change=metrics.observe_circuit,
        )
        store: QuotaStore = LocalStore()
        quota_redis: redis.Redis | None = None  # also the trust registry's fleet memory (same fast-failing calls)
        if settings.cache_url.startswith("redis://"):
            quota_redis = redis.Redis.from_url(
                settings.cache_url, socket_timeout=QUOTA_REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=QUOTA_REDIS_TIMEOUT_SECONDS,
            )
            stack.push_async_callback(quota_redis.aclose)
            store = RedisStore(quota_redis, on_failure=metrics.observe_backend_failure)
        transport = Transport(
            session=session,
            policy=CallPolicy(
                timeout_seconds=settings.upstream_timeout, max_attempts=settings.upstream_max_attempts,
                max_response_bytes=settings.max_response_bytes, max_quota_wait_seconds=settings.quota_max_wait,
            ),
            observe=observe or metrics.observe_upstream,
            propagate=propagate,
            breakers=breakers,
            quota_store=store,
        )
        catalogs: dict[ProviderName, ImageCatalog] = {
            spec.name: spec.create_client(transport, settings.section(spec.name))
            for spec in PROVIDERS if settings.section(spec.name).configured
        }
        if settings.cache_ttl > 0:
            cache = _cache(settings)
            stack.push_async_callback(_close_cache, cache)
            cached = {
                p: CachedCatalog(
                    c, cache, ttl=settings.cache_ttl, stale_if_error=settings.stale_if_error,
                    stale_while_revalidate=settings.stale_while_revalidate,
                    on_lookup=on_lookup or metrics.observe_cache, on_failure=metrics.observe_backend_failure,
                )
                for p, c in catalogs.items()
            }
            for catalog in cached.values():
                stack.push_async_callback(catalog.aclose)  # before the session closes: refreshes use it
            catalogs = dict(cached)
        trust = TrustRegistry(
            fleet=quota_redis, accounts={p: c.account_key for p, c in catalogs.items()},
            on_drift=metrics.observe_drift, on_refusal=metrics.observe_refusal,
        )
        yield Services(settings, catalogs, settings.limits, metrics, trust, bool(demo_urls), demo_urls, breakers)
