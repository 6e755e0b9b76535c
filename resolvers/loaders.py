"""Per-request loaders: each distinct upstream request is made at most once per GraphQL operation.

    ImagePageLoader            PageKey -> ImagePage        one provider page (dedupes aliases, fields)
    ImageByKeyLoader           ImageKey -> ImageRecord?    batched: one call per provider and location
    LocationsByProviderLoader  ProviderName -> [Location]  zones / regions

A failing key fails alone (its result is the exception); the rest of the batch is delivered. Loaders
live on `RequestScope`, created for each request and dropped with it, so nothing is shared across
requests here: sharing across requests is the job of `providers.cache.CachedCatalog`.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError
from strawberry.dataloader import DataLoader

from providers.base import ImageCatalog, ImagePage, ImageRecord, Location, ProviderName


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
        canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return cls(provider, location, canonical, page_number, page_size)

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class ImageKey:
    provider: ProviderName
    location: str
    image_id: str


@dataclass(frozen=True, slots=True)
class Limits:
    """Service limits; every one is documented in the README and settable with CIG_* variables."""

    default_page_size: int = 50
    max_page_size: int = 1000
    max_scan_items: int = 20_000  # per source, when part of a filter must be applied by this service
    max_node_ids: int = 100  # ids per `nodes` query


async def _settle(tasks: Sequence[Any]) -> list[Any]:
    """Results in order; an exception stands in for a failed one instead of failing them all."""
    return list(await asyncio.gather(*tasks, return_exceptions=True))


class ImagePageLoader(DataLoader[PageKey, ImagePage]):
    def __init__(self, catalogs: Mapping[ProviderName, ImageCatalog]) -> None:
        self.catalogs = catalogs
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[PageKey]) -> list[ImagePage | BaseException]:
        return await _settle([
            self.catalogs[key.provider].list_images(
                key.location, key.params, page_number=key.page_number, page_size=key.page_size
            )
            for key in keys
        ])


class ImageByKeyLoader(DataLoader[ImageKey, ImageRecord | None]):
    def __init__(self, catalogs: Mapping[ProviderName, ImageCatalog]) -> None:
        self.catalogs = catalogs
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[ImageKey]) -> list[ImageRecord | BaseException | None]:
        groups: dict[tuple[ProviderName, str], list[str]] = defaultdict(list)
        for key in keys:
            if key.provider in self.catalogs and key.image_id not in groups[(key.provider, key.location)]:
                groups[(key.provider, key.location)].append(key.image_id)
        batches = list(groups.items())
        results = await _settle([
            self.catalogs[provider].get_images(location, ids) for (provider, location), ids in batches
        ])
        found: dict[tuple[ProviderName, str], dict[str, ImageRecord] | BaseException] = {}
        for (group, _ids), result in zip(batches, results, strict=True):
            found[group] = result if isinstance(result, BaseException) else {r.image_id: r for r in result}
        out: list[ImageRecord | BaseException | None] = []
        for key in keys:
            batch = found.get((key.provider, key.location))
            out.append(batch if isinstance(batch, BaseException) else (batch or {}).get(key.image_id))
        return out


class LocationsByProviderLoader(DataLoader[ProviderName, list[Location]]):
    def __init__(self, catalogs: Mapping[ProviderName, ImageCatalog]) -> None:
        self.catalogs = catalogs
        super().__init__(load_fn=self._load)

    async def _load(self, keys: list[ProviderName]) -> list[list[Location] | BaseException]:
        return await _settle([self.catalogs[key].list_locations() for key in keys])


@dataclass
class RequestScope:
    """What resolvers get for one GraphQL operation: catalogs, fresh loaders, limits, partial errors."""

    catalogs: Mapping[ProviderName, ImageCatalog]
    limits: Limits = field(default_factory=Limits)
    partial_errors: list[GraphQLError] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pages = ImagePageLoader(self.catalogs)
        self.images = ImageByKeyLoader(self.catalogs)
        self.locations = LocationsByProviderLoader(self.catalogs)
        self._reported: set[tuple[object, ...]] = set()

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
