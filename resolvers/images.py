"""The `images` connection: sources -> counts -> window -> provider pages -> edges.

1. The filter becomes sources (resolvers.filters), in connection order.
2. Every source is counted concurrently: page 1 at the provider's largest page size gives its total
   (and its first items); a source with a residual predicate is read whole and filtered here, within
   `Limits.max_scan_items`.
3. The Relay window is mapped onto the sources (resolvers.pagination) and only the pages holding it are
   fetched, concurrently. Pages come from the per-request loader, so nothing is fetched twice.
A source that fails is reported as an error entry beside the data of the others, counted as empty.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from providers.base import ImageCatalog, ImagePage, ImageRecord, Location, ProviderName
from providers.errors import ProviderError

from . import errors
from .filters import Criteria, Source, plan_sources
from .loaders import PageKey, RequestScope
from .pagination import PageArgs, PaginationError, decode_cursor, encode_cursor, locate, pages_needed


@dataclass(frozen=True, slots=True)
class Edge:
    cursor: str
    record: ImageRecord


@dataclass(frozen=True, slots=True)
class ImagesPage:
    edges: list[Edge]
    total_count: int
    has_next_page: bool
    has_previous_page: bool
    oldest_fetched_at: float | None

    @property
    def start_cursor(self) -> str | None:
        return self.edges[0].cursor if self.edges else None

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1].cursor if self.edges else None


@dataclass
class _Counted:
    source: Source
    count: int
    matches: list[ImageRecord] | None  # the filtered records, when the source was read whole
    fetched_at: float | None


async def locations_by_provider(
    scope: RequestScope, providers: Sequence[ProviderName], path: Sequence[str | int]
) -> dict[ProviderName, list[Location]]:
    """Locations of each provider; a provider whose listing fails is reported and left out."""
    selected = [p for p in providers if p in scope.catalogs]
    results = await asyncio.gather(*(scope.locations.load(p) for p in selected), return_exceptions=True)
    found: dict[ProviderName, list[Location]] = {}
    for provider, result in zip(selected, results, strict=True):
        if isinstance(result, ProviderError):
            scope.report(_located(errors.from_provider(result), path))
        elif isinstance(result, BaseException):
            raise result
        else:
            found[provider] = result
    return found


def _located(error: errors.ServiceError, path: Sequence[str | int]) -> errors.ServiceError:
    error.path = list(path)
    return error


async def list_images(
    scope: RequestScope,
    criteria: Criteria,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    path: Sequence[str | int],
) -> ImagesPage:
    digest = criteria.digest()
    try:
        args = PageArgs.build(
            first=first, last=last,
            after=decode_cursor(after, digest, argument="after") if after is not None else None,
            before=decode_cursor(before, digest, argument="before") if before is not None else None,
            default_size=scope.limits.default_page_size, max_size=scope.limits.max_page_size,
        )
    except PaginationError as exc:
        raise errors.bad_input(str(exc), argument=exc.argument) from None
    providers = [p for p in (criteria.providers or scope.catalogs) if p in scope.catalogs]
    locations = await locations_by_provider(scope, providers, path)
    if criteria.locations is not None and len(locations) < len(providers):
        # A provider could not list its locations, so ids it would know cannot be judged unknown:
        # keep the ids that answering providers know (the failure is already reported).
        known = {loc.id for locs in locations.values() for loc in locs}
        criteria = replace(criteria, locations=tuple(loc for loc in criteria.locations if loc in known))
    sources = plan_sources(criteria, locations)

    counted = await asyncio.gather(*(_count(scope, source, path) for source in sources))
    total = sum(c.count for c in counted)
    start, end = args.window(total)
    slices = locate([c.count for c in counted], start, end)
    chunks = await asyncio.gather(*(
        _items(scope, counted[s.source], s.start, s.end, path) for s in slices
    ))
    bases = [0]
    for c in counted:
        bases.append(bases[-1] + c.count)
    edges = [
        Edge(encode_cursor(bases[s.source] + s.start + i, digest), record)
        for s, chunk in zip(slices, chunks, strict=True)
        for i, record in enumerate(chunk)
    ]
    fetched = [c.fetched_at for c in counted if c.fetched_at is not None]
    return ImagesPage(
        edges=edges,
        total_count=total,
        has_next_page=end < total,
        has_previous_page=start > 0,
        oldest_fetched_at=min(fetched) if fetched else None,
    )


def _catalog(scope: RequestScope, source: Source) -> ImageCatalog:
    return scope.catalogs[source.provider]


async def _page(scope: RequestScope, source: Source, number: int) -> ImagePage:
    size = _catalog(scope, source).page_size_max
    return await scope.pages.load(PageKey.of(source.provider, source.location, source.params, number, size))


async def _count(scope: RequestScope, source: Source, path: Sequence[str | int]) -> _Counted:
    try:
        first_page = await _page(scope, source, 1)
        if not source.residual:
            return _Counted(source, first_page.total_count, None, first_page.fetched_at)
        limit = scope.limits.max_scan_items
        if first_page.total_count > limit:
            raise errors.ServiceError(
                f"this filter needs {source.label} read whole ({first_page.total_count} images), more than the "
                f"limit of {limit}; narrow it with conditions the provider evaluates (locations, name, source, "
                "platform)",
                errors.QUERY_TOO_EXPENSIVE, provider=source.provider.name, location=source.location,
            )
        size = _catalog(scope, source).page_size_max
        rest = await asyncio.gather(*(
            _page(scope, source, n) for n in range(2, pages_needed(first_page.total_count, size) + 1)
        ))
        pages = [first_page, *rest]
        matches = [r for page in pages for r in page.records if source.matches(r)]
        return _Counted(source, len(matches), matches, min(p.fetched_at for p in pages))
    except ProviderError as exc:
        scope.report(_located(errors.from_provider(exc), path))
        return _Counted(source, 0, [], None)


async def _items(
    scope: RequestScope, counted: _Counted, start: int, end: int, path: Sequence[str | int]
) -> list[ImageRecord]:
    if counted.matches is not None:
        return counted.matches[start:end]
    source = counted.source
    size = _catalog(scope, source).page_size_max
    first_page = start // size + 1
    try:
        pages = await asyncio.gather(*(_page(scope, source, n) for n in range(first_page, (end - 1) // size + 2)))
    except ProviderError as exc:
        scope.report(_located(errors.from_provider(exc), path))
        return []
    records = [r for page in pages for r in page.records]
    base = (first_page - 1) * size
    return records[start - base:end - base]


def age_seconds(fetched_at: float | None) -> float | None:
    return None if fetched_at is None else max(0.0, time.time() - fetched_at)
