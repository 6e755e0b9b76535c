"""Per-request loaders: each distinct upstream request is made at most once per GraphQL operation.

    RequestScope.pages(kind)    PageKey -> page of `kind`     one provider page (dedupes aliases, fields)
    RequestScope.by_key(kind)   ResourceKey -> record?        batched: one call per provider and location
    RequestScope.locations      ProviderName -> [Location]    the provider's locations (zones, regions)

`kind` is a listing kind (`resolvers.kinds`: images, volumes): it says how to read its pages and its
records by id, so a new kind gets its loaders without a change here.

A failing key fails alone (its result is the exception); the rest of the batch is delivered. A page or
a provider's locations already in hand (fresh in the in-process provider cache, `CachedCatalog.in_hand`)
is taken at once (`InHandLoader`): it would have been a cache hit in the batch too, and taking it
directly spares the batch's task, its tasks per key and their event-loop turns, most of the cost of a
warm read. `Limits.warm_reads` switches this off. Loaders
live on `RequestScope`, created for each request and dropped with it, so nothing is shared across
requests here: sharing across requests is the job of `providers.cache.CachedCatalog`.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from graphql import GraphQLError
from strawberry.dataloader import DataLoader

from providers.base import ImageCatalog, Location, ProviderName
from providers.cache import CachedCatalog
from providers.canonical import canonical_json
from providers.operation import Operation
from providers.trust import TrustRegistry

from . import errors

K = TypeVar("K")
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class PageKey:
    provider: ProviderName
    location: str
    params_json: str  # canonical JSON of the provider parameters: hashable and exact
    page_number: int
    page_size: int

    @classmethod
    def of(
        cls, provider: ProviderName, location: str, params: Mapping[str, Any], page_number: int, page_size: int
    ) -> PageKey:
        return cls(provider, location, canonical_json(params), page_number, page_size)

    def at(self, page_number: int) -> PageKey:
        """The key of another page of the same listing (this one for its own page: a frozen key is
        costly to make, and page 1 is read on every request)."""
        if page_number == self.page_number:
            return self
        return PageKey(self.provider, self.location, self.params_json, page_number, self.page_size)

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class ResourceKey:
    """An image or disk volume: the provider's own id within a location."""

    provider: ProviderName
    location: str
    resource_id: str


@dataclass(frozen=True, slots=True)
class Limits:
    """Service limits and the switches resolvers read, built from the settings (`Settings.limits`, where
    the defaults live); every one is documented in the README and settable with CIG_* variables."""

    default_page_size: int
    max_page_size: int
    max_scan_items: int  # per source, when part of a filter must be applied by this service
    max_node_ids: int  # ids per `nodes` query
    operation_timeout: float | None  # seconds one operation may spend on provider calls; None = no deadline
    min_max_age: float  # the freshest data a client may demand (`Cache-Control: max-age`)
    # Derive nodes and verifications once per cached provider answer (`providers.base.Memo`); False: per request
    answer_memo: bool
    # Take pages and locations fresh in the in-process provider cache at once, without the loaders' batch
    # and tasks (`InHandLoader`, `resolvers.listing`); False: every read through the batch
    warm_reads: bool = True


async def _settle(tasks: Sequence[Any]) -> list[Any]:
    """Results in order; an exception stands in for a failed one instead of failing them all."""
    return list(await asyncio.gather(*tasks, return_exceptions=True))


class InHandLoader(DataLoader[K, T]):
    """A loader that takes a value already in hand at once: `now(key)` gives it (counted as the cache
    hit it is) or None when it must be loaded. A value taken is primed, so the key is read once per
    request either way, and a load of it is a done future: awaiting it never waits for the loop."""

    def __init__(self, load_fn: Callable[[list[K]], Awaitable[Sequence[T | BaseException]]],
                 now: Callable[[K], T | None] | None) -> None:
        self.now = now
        super().__init__(load_fn=load_fn)

    def in_hand(self, key: K) -> T | None:
        """The key's value when this request has it or can take it now; None when it must be awaited."""
        future = self.cache_map.get(key)
        if future is not None:
            if future.done() and not future.cancelled() and future.exception() is None:
                return future.result()
            return None
        value = self.now(key) if self.now is not None else None
        if value is not None:
            # `prime` without its search of a pending batch: a key with no future is in none.
            taken = self.loop.create_future()
            taken.set_result(value)
            self.cache_map.set(key, taken)
        return value

    def load(self, key: K) -> Awaitable[T]:
        if self.now is not None and self.cache_map.get(key) is None:
            self.in_hand(key)
        return super().load(key)


def _cached_catalog(catalog: ImageCatalog) -> CachedCatalog | None:
    return catalog if isinstance(catalog, CachedCatalog) else None


class PageLoader(InHandLoader[PageKey, T]):
    """One provider page per key; `read` says which listing (images, volumes) the page is of, `read_now`
    takes it from the provider cache when it is in hand there."""

    def __init__(
        self, catalogs: Mapping[ProviderName, ImageCatalog], read: Callable[[ImageCatalog, PageKey], Awaitable[T]],
        read_now: Callable[[CachedCatalog, PageKey], T | None] | None = None,
    ) -> None:
        self.catalogs = catalogs
        self.read = read
        self.read_now = read_now
        super().__init__(self._load, self._now if read_now is not None else None)

    def _now(self, key: PageKey) -> T | None:
        catalog = _cached_catalog(self.catalogs[key.provider])
        return None if catalog is None or self.read_now is None else self.read_now(catalog, key)

    async def _load(self, keys: list[PageKey]) -> list[T | BaseException]:
        return await _settle([self.read(self.catalogs[key.provider], key) for key in keys])


ByIds = Callable[[ImageCatalog, str, list[str]], Awaitable[Sequence[R]]]


class ByKeyLoader(DataLoader[ResourceKey, R | None], Generic[R]):
    """Resources by id, one `fetch(catalog, location, ids)` per provider and location in a batch."""

    def __init__(
        self, catalogs: Mapping[ProviderName, ImageCatalog], fetch: ByIds[R], id_of: Callable[[R], str]
    ) -> None:
        self.catalogs = catalogs
        self.fetch = fetch
        self.id_of = id_of
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[ResourceKey]) -> list[R | BaseException | None]:
        groups: dict[tuple[ProviderName, str], list[str]] = defaultdict(list)
        for key in keys:
            ids = groups[(key.provider, key.location)]
            if key.provider in self.catalogs and key.resource_id not in ids:
                ids.append(key.resource_id)
        batches = [(group, ids) for group, ids in groups.items() if ids]
        results = await _settle([
            self.fetch(self.catalogs[provider], location, ids) for (provider, location), ids in batches
        ])
        found: dict[tuple[ProviderName, str], dict[str, R] | BaseException] = {}
        for (group, _ids), result in zip(batches, results, strict=True):
            found[group] = result if isinstance(result, BaseException) else {self.id_of(r): r for r in result}
        out: list[R | BaseException | None] = []
        for key in keys:
            batch = found.get((key.provider, key.location))
            out.append(batch if isinstance(batch, BaseException) else (batch or {}).get(key.resource_id))
        return out


class LocationsByProviderLoader(InHandLoader[ProviderName, list[Location]]):
    def __init__(self, catalogs: Mapping[ProviderName, ImageCatalog], *, warm: bool = False) -> None:
        self.catalogs = catalogs
        super().__init__(self._load, self._now if warm else None)

    def _now(self, key: ProviderName) -> list[Location] | None:
        catalog = _cached_catalog(self.catalogs[key])
        return None if catalog is None else catalog.locations_in_hand()

    async def _load(self, keys: list[ProviderName]) -> list[list[Location] | BaseException]:
        return await _settle([self.catalogs[key].list_locations() for key in keys])


class Loadable(Protocol[R]):
    """What a listing kind gives the loaders: how to read one page and records by id."""

    @property
    def typename(self) -> str: ...

    def read_page(self, catalog: ImageCatalog, key: PageKey) -> Awaitable[Any]: ...

    def page_in_hand(self, catalog: CachedCatalog, key: PageKey) -> Any: ...

    def fetch_by_ids(self, catalog: ImageCatalog, location: str, ids: list[str]) -> Awaitable[Sequence[R]]: ...

    def id_of(self, record: R) -> str: ...


@dataclass
class RequestScope:
    """What resolvers get for one GraphQL operation: catalogs, fresh loaders, limits, partial errors."""

    catalogs: Mapping[ProviderName, ImageCatalog]
    limits: Limits
    partial_errors: list[GraphQLError] = field(default_factory=list)
    max_age: float | None = None  # the client's freshness bound, seconds (already at least `min_max_age`)
    upstream_budget: int | None = None  # provider calls still allowed (`resolvers.plan`); None = no budget
    trust: TrustRegistry = field(default_factory=TrustRegistry)  # the process's (one per app), not the request's

    def __post_init__(self) -> None:
        # The deadline starts when the request does: parsing and validation count against it too.
        self.operation = Operation.within(self.limits.operation_timeout, max_age=self.max_age)
        self.locations = LocationsByProviderLoader(self.catalogs, warm=self.limits.warm_reads)
        self._pages: dict[str, PageLoader[Any]] = {}
        self._by_key: dict[str, ByKeyLoader[Any]] = {}
        self._reported: set[tuple[object, ...]] = set()

    def pages(self, kind: Loadable[Any]) -> PageLoader[Any]:
        """The page loader of a listing kind, made on first use."""
        if kind.typename not in self._pages:
            self._pages[kind.typename] = PageLoader(
                self.catalogs, kind.read_page, kind.page_in_hand if self.limits.warm_reads else None
            )
        return self._pages[kind.typename]

    def by_key(self, kind: Loadable[R]) -> ByKeyLoader[R]:
        """The by-id loader of a listing kind, made on first use."""
        if kind.typename not in self._by_key:
            self._by_key[kind.typename] = ByKeyLoader(self.catalogs, kind.fetch_by_ids, kind.id_of)
        return self._by_key[kind.typename]

    def reserve_calls(self, calls: int, what: str) -> None:
        """Take `calls` from the operation's upstream budget before making them; QUERY_TOO_EXPENSIVE
        when fewer are left (a listing learns how many pages it needs from its first one)."""
        if self.upstream_budget is None or calls <= 0:
            return
        if calls > self.upstream_budget:
            raise errors.ServiceError(
                f"{what} needs {calls} more provider calls, more than the {self.upstream_budget} left of this "
                "operation's budget; ask for fewer items or narrow the filter with conditions the provider "
                "evaluates",
                errors.QUERY_TOO_EXPENSIVE, calls=calls, budgetLeft=self.upstream_budget,
            )
        self.upstream_budget -= calls

    def report(self, error: GraphQLError) -> None:
        """Record an error for a part that failed while the rest of the answer is still delivered.

        One entry per field, location and code: a region whose five image sources all fail the same
        way is one error, not five.
        """
        extensions = error.extensions or {}
        identity = (tuple(error.path or ()), extensions.get("code"), extensions.get("provider"),
                    extensions.get("location"))
        if identity not in self._reported:
            self._reported.add(identity)
            self.partial_errors.append(error)
