"""A Relay connection of any listing kind: query -> sources -> counts -> window -> provider pages -> edges.

`list_connection(scope, kind, query, ...)` serves `images`, `volumes` and any kind registered in
`resolvers.kinds`. A *listing* is one provider listing (a zone, a region, a region's image source),
read in pages of the provider's largest size so a page number always means the same items and no page
is fetched twice (pages come from the kind's per-request loader).

1. Every listing is counted concurrently: page 1 gives its total (and its first items); a listing with
   a residual predicate is read whole and filtered here, within `Limits.max_scan_items`.
2. The Relay window is mapped onto the listings (resolvers.pagination) and only the pages holding it are
   fetched, concurrently.
A listing that fails is reported as an error entry beside the data of the others, counted as empty,
and named in `ConnectionPage.failed_sources` (a provider whose locations could not be listed is named
by itself): the page is then incomplete and its total only a lower bound, never presented as exact.

Pushdown is verified: every record of every page read for a source is checked against the conditions
that source pushed down (`Source.pushed`). A contradicted condition (provider drift) or a refused
parameter the service chose is a lesson for `providers.trust`; the query is then planned again with it,
so its own answer stays exact (at most `MAX_PLANS` plannings; each one learns at least one lesson).
What a page contradicts depends on the page and the conditions alone, so it is found once per page the
provider cache holds and kept in the page's memo (`Limits.answer_memo`); the lesson is taught on every
read, as the trust registry may not know it yet.

Pages already in hand (`Listing.in_hand`: fresh in the in-process provider cache, or read earlier in the
request) are counted and sliced at once; only the listings still waiting for a page get a task each
(`_completed`). A warm request then makes no task per listing, with the same reads, counts and answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from providers.base import ImageRecord, Location, Memo, ProviderName
from providers.errors import ProviderError
from providers.query import ImageQuery, Source, VolumeQuery
from providers.trust import TrustRegistry, refused_parameter

from . import errors
from .filters import known_locations, selected_providers
from .kinds import ListingKind
from .loaders import PageKey, RequestScope
from .pagination import PageArgs, PaginationError, cursor_encoder, decode_cursor, locate, pages_needed

R = TypeVar("R")
X = TypeVar("X")
R_co = TypeVar("R_co", covariant=True)
Q = TypeVar("Q", ImageQuery, VolumeQuery)

MAX_PLANS = 16  # plannings of one query; more would mean a provider contradicting every parameter it is sent


class Page(Protocol[R_co]):
    @property
    def records(self) -> Sequence[R_co]: ...

    @property
    def total_count(self) -> int: ...

    @property
    def fetched_at(self) -> float: ...

    @property
    def memo(self) -> Memo: ...


@dataclass(frozen=True, slots=True)
class Listing(Generic[R]):
    provider: ProviderName
    location: str
    label: str  # e.g. "jdcloud/cn-north-1/public", for errors
    page_size: int
    fetch: Callable[[int], Awaitable[Page[R]]]  # page number -> page
    residual: Callable[[R], bool] | None = None  # applied here when the provider cannot filter
    # A failure that is a lesson (a refused parameter the service chose) instead of an error to report.
    absorbs: Callable[[ProviderError], Awaitable[bool]] | None = None
    # The page when it is in hand and nothing in it is left to verify, else None: then `fetch` it.
    in_hand: Callable[[int], Page[R] | None] | None = None


class Replan(Exception):
    """Raised inside one planning of a query when a listing taught a lesson: plan it again."""


@dataclass
class Attempt:
    """One planning of a query: whether its listings taught the trust registry anything."""

    trust: TrustRegistry
    memo: bool  # `Limits.answer_memo`: find a cached page's contradictions once
    learned: bool = False

    async def verify(self, source: Source, page: Page[ImageRecord]) -> None:
        """Check a page answered for `source` against what it pushed down; a contradiction is drift."""
        for param in sorted(self._contradicted(source, page)):
            self.learned = True
            await self.trust.drift(source.provider, param, source.label)

    def consistent(self, source: Source, page: Page[ImageRecord]) -> bool:
        """The page contradicts nothing `source` pushed down: `verify` would have nothing to do."""
        return not self._contradicted(source, page)

    def _contradicted(self, source: Source, page: Page[ImageRecord]) -> frozenset[str]:
        if not self.memo:
            return contradicted(source, page.records)
        # The tests are made from (parameter, value) alone (`providers.query.Plan.push`): equal reprs, one
        # verification. The page belongs to one provider, whose tests these are.
        key = ("contradicted", repr([(pushed.param, pushed.value) for pushed in source.pushed]))
        found: frozenset[str] | None = page.memo.get(key)
        if found is None:
            found = page.memo[key] = contradicted(source, page.records)
        return found

    async def absorbs(self, source: Source, error: ProviderError) -> bool:
        pushed = refused_parameter(error, source.pushed)
        if pushed is None:
            return False
        self.learned = True
        await self.trust.refusal(source.provider, pushed, source.label)
        return True

    def check(self) -> None:
        if self.learned:
            raise Replan


def contradicted(source: Source, records: Sequence[ImageRecord]) -> frozenset[str]:
    """The pushed-down parameters of `source` that some of `records` contradict."""
    return frozenset(pushed.param for record in records for pushed in source.contradicted(record))


class Edge(NamedTuple, Generic[R]):
    """One item of a page and its cursor (a tuple: a page makes one per item, on every request)."""

    cursor: str
    record: R


@dataclass(frozen=True, slots=True)
class ConnectionPage(Generic[R]):
    edges: list[Edge[R]]
    total_count: int
    has_next_page: bool
    has_previous_page: bool
    oldest_fetched_at: float | None
    failed_sources: tuple[str, ...] = ()  # labels of the listings (or providers) that failed

    @property
    def complete(self) -> bool:
        """Every selected source answered, so `total_count` is exact."""
        return not self.failed_sources

    @property
    def start_cursor(self) -> str | None:
        return self.edges[0].cursor if self.edges else None

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1].cursor if self.edges else None

    @property
    def oldest_age_seconds(self) -> float | None:
        return None if self.oldest_fetched_at is None else max(0.0, time.time() - self.oldest_fetched_at)


@dataclass
class _Counted(Generic[R]):
    listing: Listing[R]
    count: int
    matches: list[R] | None  # the filtered records, when the listing was read whole
    fetched_at: float | None
    failed: bool = False


def page_args(
    scope: RequestScope, digest: Callable[[], str], *, first: int | None, after: str | None, last: int | None,
    before: str | None,
) -> PageArgs:
    """Validated Relay arguments with cursors decoded against the query's `digest` (asked for only when
    there is a cursor: it costs a canonical encoding of the query); BAD_USER_INPUT otherwise."""
    try:
        return PageArgs.build(
            first=first, last=last,
            after=decode_cursor(after, digest(), argument="after") if after is not None else None,
            before=decode_cursor(before, digest(), argument="before") if before is not None else None,
            default_size=scope.limits.default_page_size, max_size=scope.limits.max_page_size,
        )
    except PaginationError as exc:
        raise errors.bad_input(str(exc), argument=exc.argument) from None


def located(error: errors.ServiceError, path: Sequence[str | int]) -> errors.ServiceError:
    error.path = list(path)
    return error


async def locations_by_provider(
    scope: RequestScope, providers: Sequence[ProviderName], path: Sequence[str | int]
) -> dict[ProviderName, list[Location]]:
    """Locations of each provider; a provider whose listing fails is reported and left out."""
    selected = [p for p in providers if p in scope.catalogs]
    taken = [scope.locations.in_hand(p) for p in selected] if scope.limits.warm_reads else [None]
    results: Sequence[list[Location] | BaseException]
    if all(locations is not None for locations in taken):
        results = [locations for locations in taken if locations is not None]
    else:
        results = await asyncio.gather(*(scope.locations.load(p) for p in selected), return_exceptions=True)
    found: dict[ProviderName, list[Location]] = {}
    for provider, result in zip(selected, results, strict=True):
        if isinstance(result, ProviderError):
            scope.report(located(errors.from_provider(result), path))
        elif isinstance(result, BaseException):
            raise result
        else:
            found[provider] = result
    return found


def listing_of(
    scope: RequestScope, kind: ListingKind[R, Any], source: Source, attempt: Attempt | None = None
) -> Listing[R]:
    """A source read through the kind's page loader, in pages of its provider's largest size; with an
    attempt, every page is verified against what the source pushed down."""
    size = scope.catalogs[source.provider].page_size_max
    loader = scope.pages(kind)
    first = PageKey(source.provider, source.location, source.params_json, 1, size)

    async def fetch(number: int) -> Page[R]:
        page: Page[R] = await loader.load(first.at(number))
        if attempt is not None and source.pushed:
            await attempt.verify(source, page)  # type: ignore[arg-type]
        return page

    def in_hand(number: int) -> Page[R] | None:
        page: Page[R] | None = loader.in_hand(first.at(number))
        if page is not None and attempt is not None and source.pushed and not attempt.consistent(source, page):  # type: ignore[arg-type]
            return None  # a lesson to teach: `fetch` teaches it
        return page

    async def absorbs(error: ProviderError) -> bool:
        return attempt is not None and await attempt.absorbs(source, error)

    return Listing(source.provider, source.location, source.label, size, fetch,
                   source.matches if source.residual else None, absorbs,
                   in_hand if scope.limits.warm_reads else None)


async def list_connection(
    scope: RequestScope,
    kind: ListingKind[R, Q],
    query: Q,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    path: Sequence[str | int],
) -> ConnectionPage[R]:
    """One page of a kind's connection for a validated query; partial failures are reported on `scope`."""
    digest = query.digest()
    args = page_args(scope, lambda: digest, first=first, after=after, last=last, before=before)
    providers = selected_providers(query, scope.catalogs)
    locations = await locations_by_provider(scope, providers, path)
    query = known_locations(query, locations, providers)
    unlisted = tuple(p.value for p in providers if p not in locations)
    await scope.trust.sync()
    for _ in range(MAX_PLANS):
        attempt = Attempt(scope.trust, scope.limits.answer_memo)
        sources = kind.sources(query, locations, scope.trust.trust, memo=scope.limits.answer_memo)
        try:
            return await connection(
                scope, [listing_of(scope, kind, s, attempt) for s in sources], args, digest, path, unlisted,
                attempt=attempt,
            )
        except Replan:
            continue
    raise errors.ServiceError(
        f"the providers kept answering {kind.noun}s that contradict the filter; try again later",
        errors.UPSTREAM_UNAVAILABLE,
    )


async def connection(
    scope: RequestScope, listings: Sequence[Listing[R]], args: PageArgs, digest: str, path: Sequence[str | int],
    failed: Sequence[str] = (), *, attempt: Attempt | None = None,
) -> ConnectionPage[R]:
    """The page of `listings` for `args`; `failed` names sources that failed before any listing (a provider
    whose locations could not be listed). Raises Replan when `attempt` learned something: the counts or
    items read may then be wrong."""
    counted = await _completed([_count_now(listing) for listing in listings],
                               lambda i: _count(scope, listings[i], path))
    if attempt is not None:
        attempt.check()
    total = sum(c.count for c in counted)
    start, end = args.window(total)
    slices = locate([c.count for c in counted], start, end)
    scope.reserve_calls(sum(  # page 1 of each listing is in hand already
        sum(1 for n in s.pages(counted[s.source].listing.page_size) if n > 1)
        for s in slices if counted[s.source].matches is None
    ), "this page of the connection")
    chunks = await _completed([_items_now(counted[s.source], s.start, s.end) for s in slices],
                              lambda i: _items(scope, counted[slices[i].source], slices[i].start, slices[i].end, path))
    if attempt is not None:
        attempt.check()
    failed_sources = (*failed, *(c.listing.label for c in counted if c.failed))
    bases = [0]
    for c in counted:
        bases.append(bases[-1] + c.count)
    cursor = cursor_encoder(digest)
    edges = [
        Edge(cursor(bases[s.source] + s.start + i), record)
        for s, chunk in zip(slices, chunks, strict=True)
        for i, record in enumerate(chunk)
    ]
    fetched = [c.fetched_at for c in counted if c.fetched_at is not None]
    return ConnectionPage(
        edges=edges,
        total_count=total,
        has_next_page=end < total,
        has_previous_page=start > 0,
        oldest_fetched_at=min(fetched) if fetched else None,
        failed_sources=tuple(dict.fromkeys(failed_sources)),
    )


async def _completed(now: list[X | None], later: Callable[[int], Awaitable[X]]) -> list[X]:
    """`now`, its missing values (None) made concurrently by `later(index)`."""
    waiting = [i for i, value in enumerate(now) if value is None]
    done = await asyncio.gather(*(later(i) for i in waiting)) if waiting else []
    for i, value in zip(waiting, done, strict=True):
        now[i] = value
    return now  # type: ignore[return-value]


def _count_now(listing: Listing[R]) -> _Counted[R] | None:
    """`_count` of a listing the provider filters whole when its first page is in hand, else None."""
    if listing.residual is not None or listing.in_hand is None:
        return None
    first_page = listing.in_hand(1)
    return None if first_page is None else _Counted(listing, first_page.total_count, None, first_page.fetched_at)


async def _count(scope: RequestScope, listing: Listing[R], path: Sequence[str | int]) -> _Counted[R]:
    try:
        first_page = await listing.fetch(1)
        if listing.residual is None:
            return _Counted(listing, first_page.total_count, None, first_page.fetched_at)
        limit = scope.limits.max_scan_items
        if first_page.total_count > limit:
            raise errors.ServiceError(
                f"this filter needs {listing.label} read whole ({first_page.total_count} items), more than the "
                f"limit of {limit}; narrow it with conditions the provider evaluates (locations, name, source, "
                "platform)",
                errors.QUERY_TOO_EXPENSIVE, provider=listing.provider.name, location=listing.location,
            )
        pages_left = range(2, pages_needed(first_page.total_count, listing.page_size) + 1)
        scope.reserve_calls(len(pages_left), f"reading {listing.label} whole")
        rest = await asyncio.gather(*(listing.fetch(n) for n in pages_left))
        pages = [first_page, *rest]
        keep = listing.residual
        matches = [r for page in pages for r in page.records if keep(r)]
        return _Counted(listing, len(matches), matches, min(p.fetched_at for p in pages))
    except ProviderError as exc:
        if listing.absorbs is not None and await listing.absorbs(exc):
            return _Counted(listing, 0, [], None)  # a lesson learned: the query is planned again
        scope.report(located(errors.from_provider(exc), path))
        return _Counted(listing, 0, [], None, failed=True)


def _items_now(counted: _Counted[R], start: int, end: int) -> list[R] | None:
    """`_items` when every page it needs is in hand, else None."""
    if counted.matches is not None:
        return counted.matches[start:end]
    in_hand = counted.listing.in_hand
    if in_hand is None:
        return None
    pages = []
    for number in _page_numbers(counted.listing.page_size, start, end):
        page = in_hand(number)
        if page is None:
            return None
        pages.append(page)
    return _window(pages, counted.listing.page_size, start, end)


async def _items(
    scope: RequestScope, counted: _Counted[R], start: int, end: int, path: Sequence[str | int]
) -> list[R]:
    if counted.matches is not None:
        return counted.matches[start:end]
    listing = counted.listing
    try:
        pages = await asyncio.gather(*(listing.fetch(n) for n in _page_numbers(listing.page_size, start, end)))
    except ProviderError as exc:
        if listing.absorbs is not None and await listing.absorbs(exc):
            return []  # a lesson learned: the query is planned again
        scope.report(located(errors.from_provider(exc), path))
        counted.failed = True
        return []
    return _window(pages, listing.page_size, start, end)


def _page_numbers(size: int, start: int, end: int) -> range:
    """The pages holding items [start, end) of a listing read in pages of `size`."""
    return range(start // size + 1, (end - 1) // size + 2)


def _window(pages: Sequence[Page[R]], size: int, start: int, end: int) -> list[R]:
    """Items [start, end) of a listing, out of its pages from the one holding `start` on."""
    records = [r for page in pages for r in page.records]
    base = start // size * size
    return records[start - base:end - base]
