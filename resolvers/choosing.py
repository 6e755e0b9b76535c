"""The `images` listing with its order, and the trusted, usable default of "pick one" listings.

Why a default: Terraform's image data sources learned it the hard way (CVE-2018-15869). `most_recent`
without an owner filter picked whatever image anyone had published under a matching name, so a
stranger's newer "ubuntu" image became the fleet's base image; the AWS provider now refuses that query
unless the user opts in. Here JD Cloud `community` and `shared` images and marketplace images (JD
`thirdparty`, Zenlayer `MARKETING`) are published by other accounts.

The rule: a listing that picks one image per group (`distinctOn`) considers only

- images of the provider's own (OFFICIAL: JD `public`, Zenlayer `OFFICIAL`) and of this account
  (CUSTOM: JD `private`, Zenlayer `CUSTOM`), unless the filter names sources itself (`source`,
  `sources`, or a provider's raw source parameter such as JD `imageSource`);
- usable images (AVAILABLE and not taken offline), unless the filter names a status itself (`status`,
  or a provider's raw status parameter such as JD `status` / `offline`, Zenlayer `imageStatus`).

Plain listings and sorted listings keep every source and status, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from providers.base import ImageRecord, ImageSource, ImageStatus
from providers.query import ImageQuery, Predicate, Source
from providers.registry import PROVIDERS

from .kinds import IMAGES
from .listing import ConnectionPage, list_connection
from .loaders import RequestScope
from .ordering import Sort, sorted_connection

TRUSTED_SOURCES = frozenset({ImageSource.OFFICIAL, ImageSource.CUSTOM})


def names_raw(query: ImageQuery, selects: str) -> bool:
    """True when a provider's raw sub-filter sets a parameter that selects `selects` ("source", "status")."""
    return any(
        param.wire in query.raw_for(spec.name)
        for spec in PROVIDERS for param in spec.image_params if param.selects == selects
    )


def names_sources(query: ImageQuery) -> bool:
    return query.source is not None or query.sources is not None or names_raw(query, "source")


def names_status(query: ImageQuery) -> bool:
    return query.status is not None or names_raw(query, "status")


def usable(record: ImageRecord) -> bool:
    return record.status is ImageStatus.AVAILABLE and record.offline is not True


def trusted_source(record: ImageRecord) -> bool:
    return record.source in TRUSTED_SOURCES


def trusted(query: ImageQuery) -> tuple[ImageQuery, tuple[Predicate, ...]]:
    """The query a pick-one listing runs (its planners push the defaults down where they can), and the
    defaults as predicates every source gets as well: the rule holds whatever a provider's planner does."""
    checks: list[Predicate] = []
    if not names_sources(query):
        query = replace(query, sources=TRUSTED_SOURCES)
        checks.append(trusted_source)
    if not names_status(query):
        query = replace(query, status=ImageStatus.AVAILABLE)
        checks.append(usable)
    return query, tuple(checks)


async def images(
    scope: RequestScope,
    query: ImageQuery,
    sort: Sort,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    path: Sequence[str | int],
) -> ConnectionPage[ImageRecord]:
    """One page of `images`: the default order, a sorted one, or one image per `distinctOn` group."""
    if not sort.active:
        return await list_connection(scope, IMAGES, query, first=first, after=after, last=last, before=before,
                                     path=path)
    checks: tuple[Predicate, ...] = ()
    if sort.distinct:
        query, checks = trusted(query)

    def enforce(source: Source) -> Source:
        return replace(source, residual=(*source.residual, *checks))

    return await sorted_connection(scope, IMAGES, query, sort, first=first, after=after, last=last, before=before,
                                   path=path, adjust=enforce if checks else None)
