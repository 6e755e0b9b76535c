"""How many provider calls an operation makes, known before it makes any: the upstream-call budget.

A `Planner` walks the same steps as `resolvers.listing` and `resolvers.nodes`, on the same per-request
keys, so fields and aliases that read the same page are counted once, as the loaders dedupe them:

- a provider's locations: one call, or a cache hit when its list is cached;
- a listing (one source): page 1, which gives its total; then the pages holding the Relay window. With
  the total cached the pages are exact; without it they are bounded from the window alone (a window
  of N items from offset `after` touches at most ceil(end / page) - 1 pages past page 1 of its first
  source, and floor((N - 1) / page) more over the sources after it);
- a filter the service applies itself reads a listing whole: with its total cached those pages are
  counted; without it, only page 1 (`scansOfUnknownLength` says how many such listings);

Only locations, pages 1 and ids are checked against the budget before any call (`Plan.upfront`):
they are the fan-out, known before any answer. Pages past page 1 depend on totals; the listing
reserves them from what is left of the budget once its totals are known (`RequestScope.reserve_calls`),
before calling them, so no operation exceeds the budget in calls, only the plan's bound may.
- ids: one call per provider, location and `page_size_max` ids not cached.

Answers the cache holds fresh for this operation are expected cache hits, not calls. The cache is only
peeked: nothing here calls a provider, except listing a provider's locations when they are neither
cached nor forbidden (`list_locations=False`, a dry run): its sources are unknown until then.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from providers.base import ImageCatalog, Location, ProviderName
from providers.cache import page_params
from providers.query import Source

from .errors import ServiceError
from .filters import known_locations, selected_providers
from .kinds import KINDS, ListingKind
from .listing import page_args
from .loaders import PageKey, RequestScope, ResourceKey
from .nodes import parse_global_id
from .pagination import PageArgs, locate, pages_needed

LOCATIONS = "locations"

Action = tuple[str, str]  # (provider, action)


@dataclass
class Plan:
    calls: Counter[Action] = field(default_factory=Counter)  # provider calls, at most
    cache_hits: Counter[Action] = field(default_factory=Counter)  # answers expected from the cache
    pages: int = 0  # listing pages read, from providers or the cache
    exact: bool = True  # False when a count could only be bounded
    unknown_locations: set[str] = field(default_factory=set)  # providers whose sources are not known yet
    scans: int = 0  # listings read whole whose length is not known yet: counted at page 1 only
    deferred_calls: int = 0  # calls (in `calls`) for pages past page 1: reserved once the totals are known
    # The catalogs peeked and until when each answer found is fresh (`CachedCatalog.peek`), for keeping
    # the plan while they are (`graphql_api.budget.PlanMemo`)
    fresh_until: list[tuple[Any, float]] = field(default_factory=list, compare=False, repr=False)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def upfront(self) -> int:
        """The calls checked against the budget before any: locations, page 1 of every listing, ids.
        Pages past page 1 are reserved by the listing once its total is known (`reserve_calls`)."""
        return self.total - self.deferred_calls

    def describe(self) -> dict[str, Any]:
        """The plan as reported to clients (`extensions.upstreamPlan`)."""
        return {
            "calls": self.total,
            "exact": self.exact,
            "byProvider": _by_provider(self.calls),
            "cacheHits": sum(self.cache_hits.values()),
            "cacheHitsByProvider": _by_provider(self.cache_hits),
            "pages": self.pages,
            "scansOfUnknownLength": self.scans,
            "locationsUnknown": sorted(p.upper() for p in self.unknown_locations),
        }


def _by_provider(counts: Counter[Action]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (provider, action), count in sorted(counts.items()):
        out.setdefault(provider.upper(), {})[action] = count
    return out


async def _peek(
    plan: Plan, catalog: ImageCatalog, action: str, location: str | None, params: Mapping[str, Any]
) -> Any:
    """What the cache holds fresh for a call, without calling; None without a cache or an entry."""
    peek = getattr(catalog, "peek", None)
    try:
        return None if peek is None else await peek(
            action, location, params, until=lambda until: plan.fresh_until.append((catalog, until)))
    except Exception:  # a cache that cannot answer means a call, as in execution
        return None


class Planner:
    def __init__(self, scope: RequestScope, *, list_locations: bool) -> None:
        self.scope = scope
        self.list_locations = list_locations
        self.plan = Plan()
        self._locations: dict[ProviderName, list[Location] | None] = {}
        self._counted: set[object] = set()  # page keys and windows already counted
        self._ids: dict[tuple[str, ProviderName, str], list[str]] = {}

    # --- steps ------------------------------------------------------------------------------------

    async def locations(self, providers: Sequence[ProviderName]) -> dict[ProviderName, list[Location]]:
        for provider in providers:
            if provider in self._locations or provider not in self.scope.catalogs:
                continue
            catalog = self.scope.catalogs[provider]
            cached = await _peek(self.plan, catalog, LOCATIONS, None, {})
            key = (provider.value, LOCATIONS)
            if cached is not None:
                self.plan.cache_hits[key] += 1
                self._locations[provider] = list(cached)
                continue
            self.plan.calls[key] += 1
            if not self.list_locations:
                self._locations[provider] = None
                self.plan.unknown_locations.add(provider.value)
                self.plan.exact = False
                continue
            try:
                # The operation's own loader: execution reuses this answer (or this failure), no second call.
                self._locations[provider] = await self.scope.locations.load(provider)
            except Exception:  # execution meets the same failure and reports it
                self._locations[provider] = None
        return {p: locs for p in providers if (locs := self._locations.get(p)) is not None}

    async def connection(
        self, kind: ListingKind[Any, Any], query: Any, *, first: int | None,
        after: str | None, last: int | None, before: str | None, whole: bool = False,
    ) -> None:
        """Count one connection's calls; `whole`: it is sorted (or picks one per group), so the service
        reads every selected source whole, whatever window it answers."""
        try:
            args = page_args(self.scope, query.digest, first=first, after=after, last=last, before=before)
        except ServiceError:
            return  # refused before any call
        providers = selected_providers(query, self.scope.catalogs)
        locations = await self.locations(providers)
        try:
            sources = kind.sources(known_locations(query, locations, providers), locations, self.scope.trust.trust,
                                   memo=self.scope.limits.answer_memo)
        except ServiceError:
            return
        action = f"{kind.noun}s"
        firsts = [await self._page(action, source, 1) for source in sources]
        counts: list[int | None] = []
        for source, page in zip(sources, firsts, strict=True):
            counts.append(await self._whole(action, source, page) if source.residual or whole else
                          (None if page is None else page.total_count))
        if all(c is not None for c in counts):
            await self._window_exact(action, sources, [c or 0 for c in counts], args)
        else:
            self._window_bound(action, sources, args)

    def ids(self, global_ids: Sequence[object], kind: ListingKind[Any, Any] | None = None) -> None:
        """Ids to fetch by id; counted together in `finish` (the by-id loader batches them)."""
        for global_id in global_ids:
            if not isinstance(global_id, str):
                continue
            try:
                found, key = parse_global_id(global_id, kind)
            except ServiceError:
                continue  # refused before any call
            self.resource(found, key)

    def resource(self, kind: ListingKind[Any, Any], key: ResourceKey) -> None:
        if key.provider in self.scope.catalogs:
            ids = self._ids.setdefault((kind.typename, key.provider, key.location), [])
            if key.resource_id not in ids:
                ids.append(key.resource_id)

    async def finish(self) -> Plan:
        for (typename, provider, location), ids in self._ids.items():
            catalog = self.scope.catalogs[provider]
            action = f"{KINDS.get(typename).noun}"
            missing = ids
            if typename == "Image":
                # The cache keeps images one by one, so any batch can reuse them.
                missing = [i for i in ids if await _peek(self.plan, catalog, "image", location, {"id": i}) is None]
                self.plan.cache_hits[(provider.value, action)] += len(ids) - len(missing)
            calls = pages_needed(len(missing), catalog.page_size_max)
            if calls:
                self.plan.calls[(provider.value, action)] += calls
        self._ids.clear()
        return self.plan

    # --- listing pages ------------------------------------------------------------------------------

    async def _page(self, action: str, source: Source, number: int) -> Any:
        """Count one listing page (once per operation); its cached value, or None when it is a call."""
        catalog = self.scope.catalogs[source.provider]
        size = catalog.page_size_max
        key = PageKey(source.provider, source.location, source.params_json, number, size)
        cached = await _peek(self.plan, catalog, action, source.location, page_params(source.params, number, size))
        if key in self._counted:
            return cached
        self._counted.add(key)
        self.plan.pages += 1
        (self.plan.cache_hits if cached is not None else self.plan.calls)[(source.provider.value, action)] += 1
        if cached is None and number > 1:
            self.plan.deferred_calls += 1
        return cached

    async def _whole(self, action: str, source: Source, first: Any) -> int | None:
        """A listing the service filters: every page when its total is known; its matches' count if cached."""
        if first is None:
            self.plan.scans += 1
            self.plan.exact = False
            return None
        if first.total_count > self.scope.limits.max_scan_items:
            return 0  # refused after page 1
        size = self.scope.catalogs[source.provider].page_size_max
        pages = [first] + [await self._page(action, source, n)
                           for n in range(2, pages_needed(first.total_count, size) + 1)]
        if any(p is None for p in pages):
            self.plan.exact = False  # the matches are known only once every page is
            return None
        return sum(1 for p in pages for r in p.records if source.matches(r))

    async def _window_exact(
        self, action: str, sources: Sequence[Source], counts: Sequence[int], args: PageArgs
    ) -> None:
        start, end = args.window(sum(counts))
        for piece in locate(counts, start, end):
            source = sources[piece.source]
            if source.residual:
                continue  # read whole already
            for number in piece.pages(self.scope.catalogs[source.provider].page_size_max):
                await self._page(action, source, number)

    def _window_bound(self, action: str, sources: Sequence[Source], args: PageArgs) -> None:
        """Pages past page 1 the window may need when some totals are unknown: at most ceil(end / page)
        - 1 in the first source it touches, and floor((n - 1) / page) over the ones after it."""
        plain = [s for s in sources if not s.residual]
        if not plain:
            return
        size = max(self.scope.catalogs[s.provider].page_size_max for s in plain)
        smallest = min(self.scope.catalogs[s.provider].page_size_max for s in plain)
        n = args.first if args.first is not None else args.last
        if not n:
            return
        if args.first is not None and args.before is None:
            start = 0 if args.after is None else args.after + 1
            extra = max(0, pages_needed(start + n, smallest) - 1) + (n - 1) // smallest
        else:
            # Backward from an unknown end: each source it touches may need its last pages.
            extra = min(len(plain), n) * 2 + pages_needed(n, smallest)
        key = ("window", action, tuple(PageKey(s.provider, s.location, s.params_json, 0, size) for s in plain),
               args)
        if key in self._counted or not extra:
            return
        self._counted.add(key)
        self.plan.exact = False
        provider = plain[0].provider.value
        self.plan.calls[(provider, action)] += extra
        self.plan.deferred_calls += extra
        self.plan.pages += extra
