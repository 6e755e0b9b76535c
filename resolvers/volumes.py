"""The `volumes` connection: disk volumes of every zone and region, through the shared connection
machinery (resolvers.listing) and the per-request volume page loader. Every condition is pushed down
(resolvers.volume_filters), so each location is one listing counted by its first page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from providers.base import ProviderName, VolumePage, VolumeRecord

from .filters import PROVIDER_ORDER, check_locations
from .listing import ConnectionPage, Listing, connection, locations_by_provider, page_args
from .loaders import PageKey, RequestScope
from .volume_filters import VolumeCriteria, volume_params


def _listing(scope: RequestScope, provider: ProviderName, location: str, criteria: VolumeCriteria) -> Listing[
    VolumeRecord
]:
    size = scope.catalogs[provider].page_size_max
    params = volume_params(provider, criteria)

    async def fetch(number: int) -> VolumePage:
        return await scope.volume_pages.load(PageKey.of(provider, location, params, number, size))

    return Listing(provider, location, f"{provider.value}/{location}", size, fetch)


async def list_volumes(
    scope: RequestScope,
    criteria: VolumeCriteria,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    path: Sequence[str | int],
) -> ConnectionPage[VolumeRecord]:
    digest = criteria.digest()
    args = page_args(scope, digest, first=first, after=after, last=last, before=before)
    wanted = criteria.providers or PROVIDER_ORDER
    providers = [p for p in PROVIDER_ORDER if p in scope.catalogs and p in wanted]
    locations = await locations_by_provider(scope, providers, path)
    if criteria.locations is not None and len(locations) < len(providers):
        known = {loc.id for locs in locations.values() for loc in locs}  # see images.list_images
        criteria = replace(criteria, locations=tuple(loc for loc in criteria.locations if loc in known))
    check_locations(criteria.locations, locations)
    listings = [
        _listing(scope, provider, loc.id, criteria)
        for provider in providers
        for loc in sorted(locations.get(provider, []), key=lambda loc: loc.id)
        if criteria.locations is None or loc.id in criteria.locations
    ]
    return await connection(scope, listings, args, digest, path)
