"""Sorted image listings: `orderBy`, `distinctOn` and their keyset cursors.

A sorted listing must see every matching image before it can say which comes first, so it reads each
selected source whole: page 1 of every source (concurrently) gives the totals; when they add up to
more than `Limits.max_scan_items` the query is QUERY_TOO_EXPENSIVE before any further call; otherwise
the remaining pages are read (concurrently) through the kind's per-request page loader, so no provider
page is fetched twice in one operation, whatever aliases, `Location.images` fields or unsorted
listings share it. It costs one call per provider page of every selected source, whatever `first` is.

The order is total and stable: the given fields in turn (nulls last in either direction), then the
default connection order (provider, location, source, the provider's own order) for ties.
`distinctOn` keeps the first image of each group under that order.

A cursor carries the sort key of its image (the field values and the image's default position), the
filter digest and the order's signature: paging resumes after that key, so a page boundary stays put
when images with other values are added or removed (among images with equal values, positions can
shift when images before them go), and a cursor is refused for another filter or order.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import bisect
import enum
import functools
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from providers.base import ImageRecord
from providers.errors import ProviderError
from providers.osid import identity_of, padded
from providers.query import ImageQuery, Source

from . import errors
from .filters import known_locations, selected_providers
from .kinds import ListingKind
from .listing import ConnectionPage, Edge, Listing, Page, listing_of, located, locations_by_provider
from .loaders import RequestScope
from .pagination import SORTED_CURSOR_VERSION, PageArgs, PaginationError, pages_needed


class OrderField(enum.Enum):
    NAME = "NAME"
    CREATED_AT = "CREATED_AT"
    SIZE_GIB = "SIZE_GIB"
    FILE_SIZE_GIB = "FILE_SIZE_GIB"
    DISK_SIZE_GIB = "DISK_SIZE_GIB"
    MIN_DISK_SIZE_GIB = "MIN_DISK_SIZE_GIB"
    OS_FAMILY = "OS_FAMILY"
    OS_VERSION = "OS_VERSION"


class DistinctField(enum.Enum):
    PROVIDER = "PROVIDER"
    LOCATION = "LOCATION"
    OS_FAMILY = "OS_FAMILY"
    OS_VERSION = "OS_VERSION"  # family and version: one OS release


# Each field's sort value: JSON-shaped (it travels in cursors), None when the image has none.
_VALUES: dict[OrderField, Callable[[ImageRecord], Any]] = {
    OrderField.NAME: lambda r: [r.name.casefold(), r.name],
    OrderField.CREATED_AT: lambda r: r.created_at.timestamp() if r.created_at is not None else None,
    OrderField.SIZE_GIB: lambda r: r.file_size_gib if r.file_size_gib is not None else r.disk_size_gib,
    OrderField.FILE_SIZE_GIB: lambda r: r.file_size_gib,
    OrderField.DISK_SIZE_GIB: lambda r: r.disk_size_gib,
    OrderField.MIN_DISK_SIZE_GIB: lambda r: r.min_disk_size_gib,
    OrderField.OS_FAMILY: lambda r: identity_of(r).family.value,
    OrderField.OS_VERSION: lambda r: list(padded(key)) if (key := identity_of(r).key) is not None else None,
}
_GROUPS: dict[DistinctField, Callable[[ImageRecord], Any]] = {
    DistinctField.PROVIDER: lambda r: r.provider.value,
    DistinctField.LOCATION: lambda r: (r.provider.value, r.location),
    DistinctField.OS_FAMILY: lambda r: identity_of(r).family,
    DistinctField.OS_VERSION: lambda r: (identity_of(r).family, identity_of(r).version),
}


def _valid(field: OrderField, value: Any) -> bool:
    """A cursor's value for `field` has the shape `_VALUES` produces (cursors come from clients)."""
    if value is None:
        return True
    if field is OrderField.NAME:
        return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
    if field is OrderField.OS_FAMILY:
        return isinstance(value, str)
    if field is OrderField.OS_VERSION:
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Order:
    field: OrderField
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Sort:
    """A validated `orderBy` and `distinctOn`."""

    orders: tuple[Order, ...] = ()
    distinct: tuple[DistinctField, ...] = ()

    @classmethod
    def of(cls, orders: Sequence[Order] | None, distinct: Sequence[DistinctField] | None) -> Sort:
        """BAD_USER_INPUT for a field given twice (its second direction could never matter)."""
        orders, distinct = tuple(orders or ()), tuple(distinct or ())
        named: tuple[tuple[str, list[str]], ...] = (
            ("orderBy", [o.field.name for o in orders]), ("distinctOn", [d.name for d in distinct]),
        )
        for argument, fields in named:
            repeated = sorted({f for f in fields if fields.count(f) > 1})
            if repeated:
                raise errors.bad_input(f"`{argument}` names {', '.join(repeated)} more than once; give each "
                                       "field once", argument=argument)
        return cls(orders, distinct)

    @property
    def active(self) -> bool:
        return bool(self.orders or self.distinct)

    @property
    def signature(self) -> str:
        text = ",".join(f"{o.field.value}:{'d' if o.descending else 'a'}" for o in self.orders)
        text += "|" + ",".join(d.value for d in self.distinct)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def key(self, record: ImageRecord, position: int) -> list[Any]:
        return [_VALUES[o.field](record) for o in self.orders] + [position]

    def compare(self, a: Sequence[Any], b: Sequence[Any]) -> int:
        for order, x, y in zip(self.orders, a, b, strict=False):
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1  # nulls last, in either direction
            result = 1 if x > y else -1
            return -result if order.descending else result
        return 1 if a[-1] > b[-1] else -1 if a[-1] < b[-1] else 0

    def group(self, record: ImageRecord) -> tuple[Any, ...]:
        return tuple(_GROUPS[d](record) for d in self.distinct)


# --- cursors ----------------------------------------------------------------------------------------


def encode_cursor(key: Sequence[Any], digest: str, sort: Sort) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(list(key), separators=(",", ":")).encode()).decode().rstrip("=")
    text = f"cig:{SORTED_CURSOR_VERSION}:{digest}:{sort.signature}:{payload}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unpad(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_cursor(cursor: str, digest: str, sort: Sort, *, argument: str) -> list[Any]:
    """The sort key a cursor points at; BAD_USER_INPUT when damaged or issued for another filter or order."""
    foreign = errors.bad_input(f"`{argument}` is not a cursor issued by this service", argument=argument)
    try:
        parts = _unpad(cursor).decode().split(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise foreign from None
    if len(parts) < 3 or parts[0] != "cig":
        raise foreign
    if parts[1] != SORTED_CURSOR_VERSION or len(parts) != 5:
        raise errors.bad_input(
            f"`{argument}` was issued for the default order; a cursor is only valid with the `orderBy` and "
            "`distinctOn` of the query that returned it", argument=argument,
        )
    if parts[2] != digest:
        raise errors.bad_input(
            f"`{argument}` was issued for a different filter; a cursor is only valid with the arguments of the "
            "query that returned it", argument=argument,
        )
    if parts[3] != sort.signature:
        raise errors.bad_input(
            f"`{argument}` was issued for a different `orderBy` or `distinctOn`; a cursor is only valid with the "
            "order of the query that returned it", argument=argument,
        )
    try:
        key = json.loads(_unpad(parts[4]))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise foreign from None
    if (
        not isinstance(key, list) or len(key) != len(sort.orders) + 1
        or not isinstance(key[-1], int) or isinstance(key[-1], bool)
        or not all(_valid(o.field, v) for o, v in zip(sort.orders, key, strict=False))
    ):
        raise foreign
    return key


# --- reading and sorting ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Whole:
    records: list[ImageRecord]  # in the default order
    oldest_fetched_at: float | None


async def read_whole(
    scope: RequestScope, listings: Sequence[Listing[ImageRecord]], path: Sequence[str | int]
) -> Whole:
    """Every matching record of every listing, in the default order; at most `max_scan_items` in all.

    A listing that fails is reported and contributes nothing; the others are still read."""

    async def first(listing: Listing[ImageRecord]) -> Page[ImageRecord] | None:
        try:
            return await listing.fetch(1)
        except ProviderError as exc:
            scope.report(located(errors.from_provider(exc), path))
            return None

    async def rest(listing: Listing[ImageRecord], page: Page[ImageRecord] | None) -> list[Page[ImageRecord]]:
        if page is None:
            return []
        try:
            more = await asyncio.gather(*(
                listing.fetch(n) for n in range(2, pages_needed(page.total_count, listing.page_size) + 1)
            ))
        except ProviderError as exc:
            scope.report(located(errors.from_provider(exc), path))
            return []
        return [page, *more]

    firsts = await asyncio.gather(*(first(listing) for listing in listings))
    total, limit = sum(p.total_count for p in firsts if p is not None), scope.limits.max_scan_items
    if total > limit:
        raise errors.ServiceError(
            f"sorting or choosing needs every matching image read ({total} across {len(listings)} sources), more "
            f"than the limit of {limit} (CIG_MAX_SCAN_ITEMS); narrow the filter with conditions the provider "
            "evaluates (providers, locations, name, source, platform)",
            errors.QUERY_TOO_EXPENSIVE, limit=limit,
        )
    read = await asyncio.gather(*(rest(listing, page) for listing, page in zip(listings, firsts, strict=True)))
    records = [
        r for listing, pages in zip(listings, read, strict=True) for p in pages for r in p.records
        if listing.residual is None or listing.residual(r)
    ]
    times = [p.fetched_at for pages in read for p in pages]
    return Whole(records, min(times) if times else None)


def _page_args(first: int | None, after: bool, last: int | None, before: bool, scope: RequestScope) -> PageArgs:
    try:
        return PageArgs.build(
            first=first, last=last, after=0 if after else None, before=0 if before else None,
            default_size=scope.limits.default_page_size, max_size=scope.limits.max_page_size,
        )
    except PaginationError as exc:
        raise errors.bad_input(str(exc), argument=exc.argument) from None


async def sorted_connection(
    scope: RequestScope,
    kind: ListingKind[ImageRecord, ImageQuery],
    query: ImageQuery,
    sort: Sort,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    path: Sequence[str | int],
    adjust: Callable[[Source], Source] | None = None,
) -> ConnectionPage[ImageRecord]:
    """One page of the images a query selects, in `sort`'s order; `adjust` rewrites each planned source."""
    digest = query.digest()
    after_key = decode_cursor(after, digest, sort, argument="after") if after is not None else None
    before_key = decode_cursor(before, digest, sort, argument="before") if before is not None else None
    args = _page_args(first, after_key is not None, last, before_key is not None, scope)
    providers = selected_providers(query, scope.catalogs)
    locations = await locations_by_provider(scope, providers, path)
    # Sorted reads plan with what the service has learned not to push down; they do not verify answers
    # themselves (the unsorted listing does, and its lessons reach every later plan).
    await scope.trust.sync()
    sources = kind.sources(known_locations(query, locations, providers), locations, scope.trust.trust,
                           memo=scope.limits.answer_memo)
    listings = [listing_of(scope, kind, adjust(s) if adjust else s) for s in sources]
    whole = await read_whole(scope, listings, path)
    comparable = functools.cmp_to_key(sort.compare)
    ordered = sorted(((sort.key(r, n), r) for n, r in enumerate(whole.records)), key=lambda item: comparable(item[0]))
    if sort.distinct:
        firsts: dict[tuple[Any, ...], tuple[list[Any], ImageRecord]] = {}
        for item in ordered:
            firsts.setdefault(sort.group(item[1]), item)
        ordered = list(firsts.values())  # insertion order: still sorted
    keys = [comparable(k) for k, _ in ordered]
    # The cursors' positions in this answer: after the last key <= `after`, before the first >= `before`
    # (the same items when nothing changed; the nearest boundary when the cursor's image is gone).
    args = replace(
        args,
        after=bisect.bisect_right(keys, comparable(after_key)) - 1 if after_key is not None else None,
        before=bisect.bisect_left(keys, comparable(before_key)) if before_key is not None else None,
    )
    start, end = args.window(len(ordered))
    return ConnectionPage(
        edges=[Edge(encode_cursor(k, digest, sort), r) for k, r in ordered[start:end]],
        total_count=len(ordered),
        has_next_page=end < len(ordered),
        has_previous_page=start > 0,
        oldest_fetched_at=whole.oldest_fetched_at,
    )
