"""The cross-request cache: an `ImageCatalog` that remembers what another one answered.

Keys name the provider, the account (its non-secret `account_key`), the action, the location and a
digest of the request parameters; never a credential. Values are the normalized pages, pickled by
aiocache, with the time the provider answered (`ImagePage.fetched_at`), so an answer served from the
cache states its age. Errors are never cached. Concurrent misses for one key share a single upstream
call ("single flight"). A failing cache backend (Redis down) is logged and bypassed: the cache makes
answers faster, never fails them.

Layers that keep what they built from these answers (the response cache) set `freshness` for one
operation: every answer served within it is then reported with the time it stops being fresh (epoch
seconds): `fetched_at + ttl` for pages; for answers without a timestamp (zone lists, records by id) the
fetch time plus `ttl`, kept beside the entry (`<key>:fresh-until`, written only while an operation
observes) so that every replica can tell. A stored answer whose time is unknown counts as expiring now.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from .base import ImageCatalog, ImagePage, ImageRecord, Location, ProviderName, VolumePage

log = logging.getLogger("providers.cache")

T = TypeVar("T")

KEY_VERSION = "v1"  # bump when the cached value's shape changes

FRESH_UNTIL = ":fresh-until"  # suffix of the key holding when an untimestamped answer stops being fresh

# Called with the time (epoch seconds) each answer served in the current operation stops being fresh.
freshness: ContextVar[Callable[[float], None] | None] = ContextVar("freshness", default=None)


class CacheBackend(Protocol):
    """The part of aiocache's BaseCache used here."""

    async def get(self, key: str, default: Any = None) -> Any: ...

    async def set(self, key: str, value: Any, ttl: float | None = None) -> Any: ...


def request_digest(params: Mapping[str, Any]) -> str:
    """A stable digest of request parameters (sorted keys, exact values)."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


class CachedCatalog:
    """Wraps a catalog; answers repeated requests from `backend` for `ttl` seconds."""

    def __init__(
        self,
        inner: ImageCatalog,
        backend: CacheBackend,
        *,
        ttl: float,
        on_lookup: Callable[[str, str, bool], None] | None = None,
    ) -> None:
        self.inner = inner
        self.backend = backend
        self.ttl = ttl
        self.on_lookup = on_lookup  # (provider, action, hit) for metrics
        self.provider: ProviderName = inner.provider
        self.page_size_min = inner.page_size_min
        self.page_size_max = inner.page_size_max
        self.account_key = inner.account_key
        self._in_flight: dict[str, asyncio.Future[Any]] = {}

    def key(self, action: str, location: str | None, params: Mapping[str, Any]) -> str:
        return ":".join(
            ("cig", KEY_VERSION, self.provider.value, self.account_key, action, location or "-", request_digest(params))
        )

    async def list_locations(self) -> list[Location]:
        return await self._cached("locations", None, {}, self.inner.list_locations)

    async def probe(self) -> str:
        return await self.inner.probe()  # readiness must reach the provider, never the cache

    async def list_images(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> ImagePage:
        key_params = {**params, "_page": page_number, "_size": page_size}
        return await self._cached(
            "images", location, key_params,
            lambda: self.inner.list_images(location, params, page_number=page_number, page_size=page_size),
        )

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]:
        # Batches differ from request to request; cache per id so any batch can reuse them.
        keys = {image_id: self.key("image", location, {"id": image_id}) for image_id in image_ids}
        found: dict[str, ImageRecord] = {}
        for image_id, key in keys.items():
            hit = await self._get(key)
            self._count("image", hit=isinstance(hit, ImageRecord))
            if isinstance(hit, ImageRecord):
                found[image_id] = hit
                await self._served(key, hit, stored=True)
        missing = [image_id for image_id in keys if image_id not in found]
        if missing:
            for record in await self.inner.get_images(location, missing):
                found[record.image_id] = record
                if record.image_id in keys:
                    await self._served(keys[record.image_id], record, stored=False)
                    await self._set(keys[record.image_id], record)
        return [found[image_id] for image_id in keys if image_id in found]  # each id once, as the clients do

    async def list_volumes(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> VolumePage:
        key_params = {**params, "_page": page_number, "_size": page_size}
        return await self._cached(
            "volumes", location, key_params,
            lambda: self.inner.list_volumes(location, params, page_number=page_number, page_size=page_size),
        )

    async def _cached(
        self, action: str, location: str | None, params: Mapping[str, Any], fetch: Callable[[], Awaitable[T]]
    ) -> T:
        key = self.key(action, location, params)
        hit = await self._get(key)
        if hit is not None:
            self._count(action, hit=True)
            await self._served(key, hit, stored=True)
            return hit  # type: ignore[no-any-return]
        self._count(action, hit=False)
        while (pending := self._in_flight.get(key)) is not None:
            try:
                shared: T = await asyncio.shield(pending)
                await self._served(key, shared, stored=False)
                return shared
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not pending.cancelled() or (task is not None and task.cancelling()):
                    raise  # this caller was cancelled itself
                # the caller whose call we shared was cancelled, not us: make the call ourselves
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await fetch()
        except asyncio.CancelledError:
            future.cancel()  # waiters see a cancelled call, not their own cancellation, and retry
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters, if any, re-raise it themselves
            raise
        else:
            future.set_result(value)
            await self._served(key, value, stored=False)
            await self._set(key, value)
            return value
        finally:
            del self._in_flight[key]

    async def _served(self, key: str, value: Any, *, stored: bool) -> None:
        observe = freshness.get()
        if observe is None:
            return
        fetched_at = getattr(value, "fetched_at", None)
        if isinstance(fetched_at, float):
            observe(fetched_at + self.ttl)
        elif stored:
            until = await self._get(key + FRESH_UNTIL)
            observe(until if isinstance(until, float) else time.time())
        else:
            until = time.time() + self.ttl
            observe(until)
            await self._set(key + FRESH_UNTIL, until)

    def _count(self, action: str, *, hit: bool) -> None:
        if self.on_lookup is not None:
            self.on_lookup(self.provider.value, action, hit)

    async def _get(self, key: str) -> Any:
        try:
            return await self.backend.get(key)
        except Exception as exc:  # a cache outage must not fail the query
            log.warning("cache read failed (%s); asking the provider", type(exc).__name__)
            return None

    async def _set(self, key: str, value: Any) -> None:
        try:
            await self.backend.set(key, value, ttl=self.ttl)
        except Exception as exc:
            log.warning("cache write failed (%s); answer served uncached", type(exc).__name__)
