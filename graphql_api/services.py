"""Process-wide services, built in the app's lifespan and closed there: the one aiohttp session, the
transport, provider clients behind the cross-request cache, and (demo mode) the embedded emulators."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiocache import Cache
from aiocache.serializers import PickleSerializer
from redis import asyncio as redis_asyncio

from providers.base import ImageCatalog, ProviderName
from providers.cache import CachedCatalog
from providers.http import CallPolicy, Transport
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


def _cache(settings: Settings) -> Cache:
    cache = Cache.from_url(settings.cache_url)
    if not settings.cache_url.startswith("memory://"):
        # Redis stores bytes: pickle keeps the normalized records intact (only this service writes them).
        # The memory cache keeps the objects themselves: pages are never mutated, and unpickling them
        # on every hit cost more than building the answer.
        cache.serializer = PickleSerializer()
    return cache


async def _close_cache(cache: Any) -> None:
    # aiocache's RedisCache.close() calls redis-py's deprecated close(); aclose() is the current API.
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "aclose"):
        await client.aclose()
    else:
        await cache.close()


@asynccontextmanager
async def running(settings: Settings, metrics: Metrics | None = None) -> AsyncIterator[Services]:
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
        transport = Transport(
            session=session,
            policy=CallPolicy(
                timeout_seconds=settings.upstream_timeout, max_attempts=settings.upstream_max_attempts,
                max_response_bytes=settings.max_response_bytes,
            ),
            observe=metrics.observe_upstream,
        )
        catalogs: dict[ProviderName, ImageCatalog] = {
            spec.name: spec.create_client(transport, settings.section(spec.name))
            for spec in PROVIDERS if settings.section(spec.name).configured
        }
        if settings.cache_ttl > 0:
            cache = _cache(settings)
            stack.push_async_callback(_close_cache, cache)
            catalogs = {
                p: CachedCatalog(c, cache, ttl=settings.cache_ttl, on_lookup=metrics.observe_cache)
                for p, c in catalogs.items()
            }
        fleet = None
        if settings.cache_url.startswith("redis://"):
            fleet = redis_asyncio.from_url(settings.cache_url)  # connects lazily, on the first lesson or sync
            stack.push_async_callback(fleet.aclose)
        trust = TrustRegistry(
            fleet=fleet, accounts={p: c.account_key for p, c in catalogs.items()},
            on_drift=metrics.observe_drift, on_refusal=metrics.observe_refusal,
        )
        yield Services(settings, catalogs, settings.limits, metrics, trust, bool(demo_urls), demo_urls)
