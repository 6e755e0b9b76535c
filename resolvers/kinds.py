"""Listing kinds: images, volumes. The one place a kind is registered.

A kind names its GraphQL type (also the prefix of its global ids), says how to read one provider page
and records by id (the loaders, `resolvers.loaders`), and how a query becomes provider listings
(`resolvers.filters`). The connection machinery (`resolvers.listing`) and node routing
(`resolvers.nodes`) work on any kind; an unknown kind is BAD_USER_INPUT, never another kind.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from providers.base import ImageCatalog, ImageRecord, Location, ProviderName, VolumeRecord
from providers.cache import CachedCatalog
from providers.query import ImageQuery, Source, VolumeQuery
from providers.registry import PROVIDERS

from . import errors
from .filters import TrustOf, plan_sources, plan_volume_sources
from .loaders import PageKey

R = TypeVar("R")
Q = TypeVar("Q")

PLAN_MEMO_SIZE = 256  # plans kept per kind (least recently used out): a repeated filter is planned once


@dataclass(frozen=True, slots=True)
class ListingKind(Generic[R, Q]):
    typename: str  # the GraphQL node type, and the type part of its global ids
    record_type: type[R]
    read_page: Callable[[ImageCatalog, PageKey], Awaitable[Any]]  # a page with `records` of R
    fetch_by_ids: Callable[[ImageCatalog, str, list[str]], Awaitable[Sequence[R]]]  # (catalog, location, ids)
    id_of: Callable[[R], str]  # the provider's id of a record, as in its global id
    plan: Callable[[Q, Mapping[ProviderName, Sequence[Location]], TrustOf], list[Source]]
    page_in_hand: Callable[[CachedCatalog, PageKey], Any]  # `read_page`'s page when the cache holds it fresh, else None

    @property
    def noun(self) -> str:
        return self.typename.lower()

    def sources(
        self, query: Q, locations: Mapping[ProviderName, Sequence[Location]], trust: TrustOf, *, memo: bool
    ) -> list[Source]:
        """`plan`, kept for the same query, locations and learned trust when `memo` (CIG_ANSWER_MEMO):
        planning is pure, and a warm request would otherwise plan each listing twice (the call planner's
        count, then execution) on every request. A plan that fails (an unknown location) is not kept."""
        if not memo:
            return self.plan(query, locations, trust)
        key = (
            # Every field as data, cheaper than the query's digest; a query written another way (a set's
            # order) only misses.
            repr(query),
            tuple((provider, tuple(found)) for provider, found in locations.items()),
            tuple(trust(provider) for provider in locations),
        )
        plans = _PLANS.setdefault(self.typename, OrderedDict())
        planned = plans.get(key)
        if planned is None:
            planned = plans[key] = tuple(self.plan(query, locations, trust))
            if len(plans) > PLAN_MEMO_SIZE:
                plans.popitem(last=False)
        else:
            plans.move_to_end(key)
        return list(planned)


_PLANS: dict[str, OrderedDict[tuple[Any, ...], tuple[Source, ...]]] = {}  # per kind: plans by query, locations, trust


async def _image_page(catalog: ImageCatalog, key: PageKey) -> Any:
    return await catalog.list_images(key.location, key.params, page_number=key.page_number, page_size=key.page_size)


async def _volume_page(catalog: ImageCatalog, key: PageKey) -> Any:
    return await catalog.list_volumes(key.location, key.params, page_number=key.page_number, page_size=key.page_size)


def _image_page_in_hand(catalog: CachedCatalog, key: PageKey) -> Any:
    return catalog.page_in_hand("images", key.location, key.params_json, page_number=key.page_number,
                                page_size=key.page_size)


def _volume_page_in_hand(catalog: CachedCatalog, key: PageKey) -> Any:
    return catalog.page_in_hand("volumes", key.location, key.params_json, page_number=key.page_number,
                                page_size=key.page_size)


async def _images_by_ids(catalog: ImageCatalog, location: str, ids: list[str]) -> list[ImageRecord]:
    return await catalog.get_images(location, ids)


async def _volumes_by_ids(catalog: ImageCatalog, location: str, ids: list[str]) -> list[VolumeRecord]:
    """Volumes have no get-by-id call: list them filtered by id, as many per call as a page holds."""
    size = catalog.page_size_max
    spec = PROVIDERS.get(catalog.provider)
    pages = await asyncio.gather(*(
        catalog.list_volumes(location, spec.volume_params(VolumeQuery(volume_ids=tuple(ids[i:i + size]))),
                             page_number=1, page_size=size)
        for i in range(0, len(ids), size)
    ))
    return [record for page in pages for record in page.records]


def _image_id(record: ImageRecord) -> str:
    return record.image_id


def _disk_id(record: VolumeRecord) -> str:
    return record.disk_id


IMAGES: ListingKind[ImageRecord, ImageQuery] = ListingKind(
    "Image", ImageRecord, _image_page, _images_by_ids, _image_id, plan_sources, _image_page_in_hand
)
VOLUMES: ListingKind[VolumeRecord, VolumeQuery] = ListingKind(
    "Volume", VolumeRecord, _volume_page, _volumes_by_ids, _disk_id, plan_volume_sources, _volume_page_in_hand
)


class KindRegistry:
    def __init__(self, kinds: Iterable[ListingKind[Any, Any]]) -> None:
        self._kinds = {kind.typename: kind for kind in kinds}

    @property
    def typenames(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def get(self, typename: str) -> ListingKind[Any, Any]:
        """The kind of a type name; BAD_USER_INPUT naming the known ones when it is not one."""
        try:
            return self._kinds[typename]
        except KeyError:
            raise errors.bad_input(
                f"unknown kind {typename!r}; known: {', '.join(self._kinds)}", argument="id"
            ) from None

    def of(self, record: object) -> ListingKind[Any, Any]:
        """The kind a record belongs to; a record of no registered kind is a programming error."""
        for kind in self._kinds.values():
            if isinstance(record, kind.record_type):
                return kind
        raise TypeError(f"no listing kind holds {type(record).__name__}")


KINDS = KindRegistry([IMAGES, VOLUMES])
