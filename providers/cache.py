"""The cross-request cache: an `ImageCatalog` that remembers what another one answered.

Keys name the provider, the account (its non-secret `account_key`), the action, the location and a
digest of the request parameters; never a credential. Values are `Entry(value, fetched_at)`: the
normalized pages (records carry their own `fetched_at`), pickled by aiocache on Redis, so an answer
served from the cache states its age. Errors are never cached. Concurrent misses for one key share a
single upstream call ("single flight"); a caller waits for it only until its own deadline.
Reads from Redis are cut at the operation's deadline (a hanging Redis is a failed read); reads from the
in-process backend (`memory://`) cannot hang, so a hit there serves even past the deadline.

Freshness (see `providers.operation`):
- an entry younger than `ttl` (and than the operation's `max_age`, when the client asked for fresher
  data) answers at once: CACHED;
- past that, the provider is asked; when it fails in a way that means "no answer now" (unavailable,
  timed out, circuit open, throttled, credentials refused) an entry younger than `ttl +
  stale_if_error` is served instead, and the operation records the source as STALE;
- with `stale_while_revalidate`, an entry younger than `ttl + stale_while_revalidate` answers at once
  (STALE) while one background call refreshes it.
Entries are kept `ttl + max(stale_if_error, stale_while_revalidate)` seconds. A failing cache backend
(Redis down) is logged, counted and bypassed: answers are then uncached and nothing stale can be
served; the cache makes answers faster and steadier, never fails them.

Layers that keep what they built from these answers (the response cache) set `freshness` for one
operation: every answer served within it is reported with the time it stops being fresh (epoch
seconds, `fetched_at + ttl`). Every entry carries its fetch time, so every replica sharing Redis can
tell; an answer served stale reports a time already past, so nothing built from it is stored.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from . import operation
from .base import ImageCatalog, ImagePage, ImageRecord, Location, ProviderName, VolumePage
from .canonical import canonical_json
from .errors import (
    AuthFailedError,
    DeadlineExceededError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from .memory_cache import BoundedMemoryCache
from .operation import StaleSource

log = logging.getLogger("providers.cache")

T = TypeVar("T")

KEY_VERSION = "v3"  # bump when the cached value's shape changes (v3: records and pages carry a `memo`)

# Called with the time (epoch seconds) each answer served in the current operation stops being fresh.
freshness: ContextVar[Callable[[float], None] | None] = ContextVar("freshness", default=None)


class CacheBackend(Protocol):
    """The part of aiocache's BaseCache used here."""

    async def get(self, key: str, default: Any = None) -> Any: ...

    async def set(self, key: str, value: Any, ttl: float | None = None) -> Any: ...


def request_digest(params: Mapping[str, Any]) -> str:
    """A stable digest of request parameters (sorted keys, exact values)."""
    return hashlib.sha256(canonical_json(params, default=str).encode()).hexdigest()[:32]


# Failures after which the last good answer is better than none. Not-found and refused parameters
# are answers, not failures: serving old data over them would hide a change.
STALE_ON = (UnavailableError, ThrottledError, AuthFailedError)
PAGE_KEYS = 4096  # listing pages whose cache keys a catalog keeps made (`page_in_hand`)


@dataclass(frozen=True, slots=True)
class Entry:
    value: Any
    fetched_at: float  # epoch seconds the provider answered


def page_params(params: Mapping[str, Any], page_number: int, page_size: int) -> dict[str, Any]:
    """The parameters a listing page is cached under."""
    return {**params, "_page": page_number, "_size": page_size}


def _no_records(value: Any) -> Iterable[object]:
    return value if isinstance(value, list) else ()


def _page_records(value: Any) -> Iterable[object]:
    return value.records  # type: ignore[no-any-return]


class CachedCatalog:
    """Wraps a catalog; answers repeated requests from `backend` for `ttl` seconds, and past that when
    the provider fails (`stale_if_error`) or while it refreshes (`stale_while_revalidate`)."""

    def __init__(
        self,
        inner: ImageCatalog,
        backend: CacheBackend,
        *,
        ttl: float,
        stale_if_error: float = 0.0,
        stale_while_revalidate: float = 0.0,
        on_lookup: Callable[[str, str, bool], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.inner = inner
        self.backend = backend
        self.ttl = ttl
        self.stale_if_error = stale_if_error
        self.stale_while_revalidate = stale_while_revalidate
        self.on_lookup = on_lookup  # (provider, action, hit) for metrics
        self.on_failure = on_failure  # ("cache") when the backend fails, for metrics
        self.provider: ProviderName = inner.provider
        self.page_size_min = inner.page_size_min
        self.page_size_max = inner.page_size_max
        self.account_key = inner.account_key
        self._clock = clock
        self._key_prefix = f"cig:{KEY_VERSION}:{self.provider.value}:{self.account_key}:"
        # The in-process backend answers without waiting: reads need no deadline, and a hit can be
        # served without a task (`in_hand`).
        self._instant = backend if isinstance(backend, BoundedMemoryCache) else None
        self._in_flight: dict[str, asyncio.Future[Any]] = {}
        self._page_keys: dict[tuple[str, str, str, int, int], str] = {}  # listing page -> its cache key
        self._refreshing: set[asyncio.Task[None]] = set()

    @property
    def keep_seconds(self) -> float:
        """How long an entry is stored: its TTL plus the longest time it may still be served stale."""
        # A float also for whole seconds: aiocache sends an int TTL with Redis' deprecated SETEX.
        return float(self.ttl + max(self.stale_if_error, self.stale_while_revalidate))

    def key(self, action: str, location: str | None, params: Mapping[str, Any]) -> str:
        return f"{self._key_prefix}{action}:{location or '-'}:{request_digest(params)}"

    async def aclose(self) -> None:
        """Stop background refreshes (the app's lifespan calls it before closing the session)."""
        for task in list(self._refreshing):
            task.cancel()
        await asyncio.gather(*self._refreshing, return_exceptions=True)

    async def peek(
        self, action: str, location: str | None, params: Mapping[str, Any],
        until: Callable[[float], None] | None = None,
    ) -> Any:
        """The answer the cache holds fresh for a call, or None: no provider call, no lookup counted
        (the upstream-call planner, `resolvers.plan`, reads what an operation will find here). `until`
        hears when an answer found stops being fresh for this operation (see `still_fresh`)."""
        entry = await self._get(self.key(action, location, params))
        if entry is None or not self._fresh(entry):
            return None
        if until is not None:
            until(entry.fetched_at + self._limit())
        return entry.value

    @property
    def generation(self) -> int | None:
        """Changes whenever the in-process backend stores or drops an answer; None with another backend
        (other replicas change Redis at any time)."""
        return self._instant.generation if self._instant is not None else None

    def still_fresh(self, until: float) -> bool:
        """Whether an answer `peek` said is fresh until `until` still is."""
        return self._clock() < until

    def in_hand(self, action: str, location: str | None, params: Mapping[str, Any]) -> Any:
        """The answer a read would serve at once from the in-process backend, counted and observed as the
        hit it is; None, with nothing counted, when the read would have to wait or ask the provider
        (another backend, no entry, or one past its freshness). `params` as the cache keys them
        (`page_params` for a listing page)."""
        return None if self._instant is None else self._take(action, self.key(action, location, params))

    def _take(self, action: str, key: str) -> Any:
        assert self._instant is not None
        found = self._instant.get_now(key)
        if not isinstance(found, Entry) or not self._fresh(found):
            return None
        self._count(action, hit=True)
        return self._serve(found)

    def locations_in_hand(self) -> list[Location] | None:
        """`list_locations` when the in-process backend holds it fresh (see `in_hand`)."""
        found: list[Location] | None = self.in_hand("locations", None, {})
        return found

    def page_in_hand(self, action: str, location: str, params_json: str, *, page_number: int, page_size: int) -> Any:
        """A listing page (`list_images`, `list_volumes`: action images, volumes) when the in-process
        backend holds it fresh (see `in_hand`); `params_json` is the listing's parameters as canonical
        JSON (`resolvers.loaders.PageKey`). Its cache key is made once per page and kept (PAGE_KEYS)."""
        if self._instant is None:
            return None
        page = (action, location, params_json, page_number, page_size)
        key = self._page_keys.get(page)
        if key is None:
            key = self.key(action, location, page_params(json.loads(params_json), page_number, page_size))
            if len(self._page_keys) >= PAGE_KEYS:
                self._page_keys.clear()  # a bound, not a policy: keys are remade at the cost of one digest
            self._page_keys[page] = key
        return self._take(action, key)

    async def list_locations(self) -> list[Location]:
        return await self._cached("locations", None, {}, self.inner.list_locations, _no_records)

    async def probe(self) -> str:
        return await self.inner.probe()  # readiness must reach the provider, never the cache

    async def list_images(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> ImagePage:
        key_params = page_params(params, page_number, page_size)
        return await self._cached(
            "images", location, key_params,
            lambda: self.inner.list_images(location, params, page_number=page_number, page_size=page_size),
            _page_records,
        )

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]:
        # Batches differ from request to request; cache per id so any batch can reuse them.
        keys = {image_id: self.key("image", location, {"id": image_id}) for image_id in image_ids}
        found: dict[str, ImageRecord] = {}
        stale: dict[str, Entry] = {}
        for image_id, key in keys.items():
            entry = await self._get(key)
            fresh = entry is not None and self._fresh(entry)
            self._count("image", hit=fresh)
            if entry is not None and fresh:
                found[image_id] = self._serve(entry)
            elif entry is not None:
                stale[image_id] = entry
        missing = [image_id for image_id in keys if image_id not in found]
        if missing:
            try:
                records = await self.inner.get_images(location, missing)
            except STALE_ON as exc:
                # Old answers for every id asked, or the error: a partial answer would pass absent ids
                # off as deleted images.
                if not all(i in stale and self._servable(stale[i], self.stale_if_error) for i in missing):
                    raise
                for image_id in missing:
                    found[image_id] = self._serve(stale[image_id])
                oldest = min(stale[i].fetched_at for i in missing)
                self._served_stale("image", location, oldest, type(exc).__name__, [found[i] for i in missing])
            else:
                fetched_at = self._clock()
                self._observe(fetched_at)
                for record in records:
                    found[record.image_id] = record
                    if record.image_id in keys:
                        await self._set(keys[record.image_id], Entry(record, fetched_at))
        return [found[image_id] for image_id in keys if image_id in found]  # each id once, as the clients do

    async def list_volumes(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> VolumePage:
        key_params = page_params(params, page_number, page_size)
        return await self._cached(
            "volumes", location, key_params,
            lambda: self.inner.list_volumes(location, params, page_number=page_number, page_size=page_size),
            _page_records,
        )

    # --- freshness --------------------------------------------------------------------------------

    def _age(self, entry: Entry) -> float:
        return max(0.0, self._clock() - entry.fetched_at)

    def _limit(self) -> float:
        """The age up to which an answer is fresh for the current operation (the TTL, or its `max_age`)."""
        current = operation.current()
        if current is not None and current.max_age is not None:
            return min(self.ttl, current.max_age)
        return self.ttl

    def _fresh(self, entry: Entry) -> bool:
        return self._age(entry) <= self._limit()

    def _servable(self, entry: Entry, grace: float) -> bool:
        return grace > 0 and self._age(entry) <= self.ttl + grace

    def _serve(self, entry: Entry) -> Any:
        """The entry's value, noting its age on the operation (the response is at least this old)."""
        current = operation.current()
        if current is not None:
            current.saw(entry.fetched_at)
        self._observe(entry.fetched_at)
        return entry.value

    def _observe(self, fetched_at: float) -> None:
        observe = freshness.get()
        if observe is not None:
            observe(fetched_at + self.ttl)

    def _served_stale(
        self, action: str, location: str | None, fetched_at: float, reason: str, records: Iterable[object]
    ) -> None:
        log.info("serving stale %s %s location=%s (%s)", self.provider.value, action, location, reason)
        current = operation.current()
        if current is not None:
            current.served_stale(StaleSource(self.provider.value, action, location, fetched_at, reason), records)

    # --- plumbing ---------------------------------------------------------------------------------

    async def _cached(
        self, action: str, location: str | None, params: Mapping[str, Any], fetch: Callable[[], Awaitable[T]],
        records_of: Callable[[Any], Iterable[object]],
    ) -> T:
        key = self.key(action, location, params)
        entry = await self._get(key)
        if entry is not None and self._fresh(entry):
            self._count(action, hit=True)
            return self._serve(entry)  # type: ignore[no-any-return]
        self._count(action, hit=False)
        if entry is not None and self._servable(entry, self.stale_while_revalidate):
            self._revalidate(key, action, fetch)
            self._served_stale(action, location, entry.fetched_at, "revalidating", records_of(entry.value))
            return self._serve(entry)  # type: ignore[no-any-return]
        try:
            value = await self._single_flight(key, action, fetch)
        except STALE_ON as exc:
            if entry is None or not self._servable(entry, self.stale_if_error):
                raise
            self._served_stale(action, location, entry.fetched_at, type(exc).__name__, records_of(entry.value))
            return self._serve(entry)  # type: ignore[no-any-return]
        self._observe(self._clock())  # fetched now, or moments ago by the call this one shared
        return value

    def _revalidate(self, key: str, action: str, fetch: Callable[[], Awaitable[Any]]) -> None:
        if key in self._in_flight:
            return  # a refresh (or a caller's own miss) is already on its way

        async def refresh() -> None:
            try:
                await self._single_flight(key, action, fetch)
            except ProviderError as exc:
                log.info("background refresh of %s failed (%s)", self.provider.value, type(exc).__name__)

        # A fresh context: the refresh must not inherit the requesting operation's deadline or ledger.
        task = asyncio.get_running_loop().create_task(refresh(), context=contextvars.Context())
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    async def _single_flight(self, key: str, action: str, fetch: Callable[[], Awaitable[T]]) -> T:
        while (pending := self._in_flight.get(key)) is not None:
            try:
                # Someone else's call, maybe with a later deadline: wait only until ours.
                return await asyncio.wait_for(asyncio.shield(pending), operation.remaining())
            except TimeoutError:
                raise DeadlineExceededError(
                    provider=self.provider.value, action=action, code="DEADLINE_EXCEEDED",
                    message="the operation deadline passed while another request's call was pending",
                ) from None
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
            await self._set(key, Entry(value, self._clock()))
            return value
        finally:
            del self._in_flight[key]

    def _count(self, action: str, *, hit: bool) -> None:
        if self.on_lookup is not None:
            self.on_lookup(self.provider.value, action, hit)

    async def _get(self, key: str) -> Entry | None:
        if self._instant is not None:
            # Nothing to wait for: a hit serves even past the deadline, as it costs the operation nothing.
            found = self._instant.get_now(key)
            return found if isinstance(found, Entry) else None
        try:
            # A hanging Redis must not hold the operation past its deadline: that is a failed read.
            async with asyncio.timeout(operation.remaining()):
                found = await self.backend.get(key)
        except Exception as exc:  # a cache outage must not fail the query
            self._failed("read", exc)
            return None
        return found if isinstance(found, Entry) else None

    async def _set(self, key: str, value: Entry) -> None:
        try:
            await self.backend.set(key, value, ttl=self.keep_seconds)
        except Exception as exc:
            self._failed("write", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        log.warning("cache %s failed (%s); asking the provider, no stale data to fall back on", what,
                    type(exc).__name__)
        if self.on_failure is not None:
            self.on_failure("cache")
