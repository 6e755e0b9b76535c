"""The `images` connection: the filter becomes image listings (resolvers.filters), read by the shared
connection machinery (resolvers.listing) through the per-request image page loader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from providers.base import ImagePage, ImageRecord

from .filters import Criteria, Source, plan_sources
from .listing import ConnectionPage, Listing, connection, locations_by_provider, page_args
from .loaders import PageKey, RequestScope


def _listing(scope: RequestScope, source: Source) -> Listing[ImageRecord]:
    size = scope.catalogs[source.provider].page_size_max

    async def fetch(number: int) -> ImagePage:
        return await scope.pages.load(PageKey.of(source.provider, source.location, source.params, number, size))

    return Listing(source.provider, source.location, source.label, size, fetch,
                   source.matches if source.residual else None)


async def list_images(
    scope: RequestScope,
    criteria: Criteria,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    path: Sequence[str | int],
) -> ConnectionPage[ImageRecord]:
    digest = criteria.digest()
    args = page_args(scope, digest, first=first, after=after, last=last, before=before)
    providers = [p for p in (criteria.providers or scope.catalogs) if p in scope.catalogs]
    locations = await locations_by_provider(scope, providers, path)
    if criteria.locations is not None and len(locations) < len(providers):
        # A provider could not list its locations, so ids it would know cannot be judged unknown:
        # keep the ids that answering providers know (the failure is already reported).
        known = {loc.id for locs in locations.values() for loc in locs}
        criteria = replace(criteria, locations=tuple(loc for loc in criteria.locations if loc in known))
    sources = plan_sources(criteria, locations)
    return await connection(scope, [_listing(scope, s) for s in sources], args, digest, path)
