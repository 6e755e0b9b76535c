"""Process-wide services, built in the app's lifespan and closed there: the one aiohttp session, the
transport, provider clients behind the cross-request cache, and (demo mode) the embedded emulators."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiocache import Cache
from aiocache.serializers import PickleSerializer

from providers.base import ImageCatalog, ProviderName
from providers.cache import CachedCatalog
from providers.http import CallOutcome, CallPolicy, RateLimiter, Transport
from providers.jdcloud.client import JdcloudClient
from providers.jdcloud.signing import JdcloudCredentials
from providers.zenlayer.client import ZenlayerClient
from providers.zenlayer.signing import ZenlayerCredentials, ZenlayerToken
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
    demo: bool = False  # the providers are the embedded emulators
    demo_urls: dict[str, str] = field(default_factory=dict)


def limits_from(settings: Settings) -> Limits:
    return Limits(
        default_page_size=settings.default_page_size, max_page_size=settings.max_page_size,
        max_scan_items=settings.max_scan_items, max_node_ids=settings.max_node_ids,
    )


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


def _limiter(rate: float | None) -> RateLimiter | None:
    return RateLimiter(rate, burst=max(1, int(rate))) if rate else None


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
        transport = Transport(
            session=session,
            policy=CallPolicy(
                timeout_seconds=settings.upstream_timeout, max_attempts=settings.upstream_max_attempts,
                max_response_bytes=settings.max_response_bytes,
            ),
            observe=observe or metrics.observe_upstream,
            propagate=propagate,
        )
        clients: list[ImageCatalog] = []
        z = settings.zenlayer
        if z.configured:
            zen_credentials: ZenlayerCredentials | ZenlayerToken = (
                ZenlayerToken(z.access_token.value) if z.access_token
                else ZenlayerCredentials(
                    z.access_key_id or "", z.access_key_password.value if z.access_key_password else ""
                )
            )
            clients.append(ZenlayerClient(
                transport, zen_credentials, z.base_url, zones=z.zones, limiter=_limiter(z.rate_limit)
            ))
        j = settings.jdcloud
        if j.configured:
            clients.append(JdcloudClient(
                transport, JdcloudCredentials(j.access_key or "", j.secret_key.value if j.secret_key else ""),
                vm_endpoint=j.vm_endpoint, disk_endpoint=j.disk_endpoint, regions=j.regions,
                limiter=_limiter(j.rate_limit),
            ))
        catalogs: dict[ProviderName, ImageCatalog] = {c.provider: c for c in clients}
        if settings.cache_ttl > 0:
            cache = _cache(settings)
            stack.push_async_callback(_close_cache, cache)
            catalogs = {
                p: CachedCatalog(c, cache, ttl=settings.cache_ttl, on_lookup=on_lookup or metrics.observe_cache)
                for p, c in catalogs.items()
            }
        yield Services(settings, catalogs, limits_from(settings), metrics, bool(demo_urls), demo_urls)
