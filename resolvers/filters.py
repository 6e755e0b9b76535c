"""Filter validation shared by every listing, and image source planning over the provider registry.

`image_query` and `volume_query` turn the GraphQL filter inputs into the normalized, validated
`providers.query` values; every problem is a BAD_USER_INPUT naming the argument. `plan_sources` asks
each selected provider's planner (its spec's `plan_image_sources`) for its listings, in registry order:
what it pushes down, what the service applies (residual), and which sources it skips without a call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol, TypeVar

from providers.base import ImageSource, ImageStatus, Location, OsType, ProviderName
from providers.osid import OsCondition, OsFamily, VersionKey, parse_version
from providers.query import TRUSTED, ImageQuery, Source, Trust, VolumeQuery, created_between
from providers.registry import PROVIDERS, UnknownProviderError

from . import errors

MAX_TAG_FILTERS = 20  # tag keys and key=value tags a filter takes each (the providers' own limit)


class TagFilterLike(Protocol):
    key: str
    value: str | None


TrustOf = Callable[[ProviderName], Trust]  # what the service has learned about a provider (providers.trust)


def fully_trusted(provider: ProviderName) -> Trust:
    """Nothing learned: every parameter a planner can push is pushed."""
    return TRUSTED


def non_empty(value: str | None, argument: str) -> str | None:
    if value is not None and not value.strip():
        raise errors.bad_input(f"`{argument}` must not be empty; omit it to match everything", argument=argument)
    return value


def non_empty_list(values: Sequence[str] | None, argument: str, limit: int | None = None) -> tuple[str, ...] | None:
    if values is None:
        return None
    if not values:
        raise errors.bad_input(f"`{argument}` must not be an empty list; omit it to match everything",
                               argument=argument)
    if limit is not None and len(values) > limit:
        raise errors.bad_input(f"`{argument}` takes at most {limit} entries, got {len(values)}", argument=argument)
    for value in values:
        non_empty(value, argument)
    return tuple(dict.fromkeys(values))  # drop duplicates, keep order


def timestamp(value: str | None, argument: str) -> datetime | None:
    """An ISO 8601 date-time with a time zone (`2024-05-01T00:00:00Z`, `2024-05-01T08:00:00+08:00`)."""
    if value is None:
        return None
    example = "e.g. 2024-05-01T00:00:00Z or 2024-05-01T08:00:00+08:00"
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise errors.bad_input(f"`{argument}` must be an ISO 8601 date-time with a time zone ({example}), got "
                               f"{value!r}", argument=argument) from None
    if parsed.tzinfo is None:
        raise errors.bad_input(f"`{argument}` needs a time zone, so it names one instant ({example}), got "
                               f"{value!r}", argument=argument)
    return parsed


def created_range(after: str | None, before: str | None) -> tuple[datetime | None, datetime | None]:
    """The validated `createdAfter`/`createdBefore` bounds: each a time-zone-aware instant, after < before."""
    start, end = timestamp(after, "createdAfter"), timestamp(before, "createdBefore")
    if start is not None and end is not None and start >= end:
        raise errors.bad_input(f"`createdAfter` ({after}) must be earlier than `createdBefore` ({before})",
                               argument="createdAfter")
    return start, end


def providers_of(values: Sequence[ProviderName] | None) -> frozenset[ProviderName] | None:
    if values is None:
        return None
    if not values:
        raise errors.bad_input("`providers` must not be an empty list; omit it for every provider",
                               argument="providers")
    try:
        return frozenset(PROVIDERS.ordered(values))
    except UnknownProviderError as exc:
        raise errors.bad_input(str(exc), argument="providers") from None


def tag_pairs(tags: Sequence[TagFilterLike] | None) -> tuple[tuple[str, str | None], ...] | None:
    if tags is None:
        return None
    if not tags:
        raise errors.bad_input("`tags` must not be an empty list; omit it to match everything", argument="tags")
    if len(tags) > MAX_TAG_FILTERS:
        raise errors.bad_input(f"`tags` takes at most {MAX_TAG_FILTERS} entries, got {len(tags)}", argument="tags")
    return tuple(dict.fromkeys((non_empty(t.key, "tags.key") or "", t.value) for t in tags))


def raw_params(provider: ProviderName, given: object | None) -> dict[str, Any]:
    """A provider's raw sub-input as its own parameters (its spec's `image_params`): empty strings are
    refused, unset ones dropped."""
    if given is None:
        return {}
    argument = provider.value
    out: dict[str, Any] = {}
    for param in PROVIDERS.get(provider).image_params:
        value = getattr(given, param.attribute)
        if value is None:
            continue
        if isinstance(value, str):
            non_empty(value, f"{argument}.{param.attribute}")
        if isinstance(value, list):
            value = list(non_empty_list(value, f"{argument}.{param.attribute}") or ())
        out[param.wire] = value
    return out


def version_key(text: str | None, argument: str) -> VersionKey | None:
    """A version given in a filter (`22.04`, `9`, `2012 R2`); BAD_USER_INPUT naming `argument` otherwise."""
    if text is None:
        return None
    parsed = parse_version(text)
    if parsed is None:
        raise errors.bad_input(
            f"`{argument}` must be a version such as `22.04`, `9` or `2012 R2`, got {text!r}", argument=argument
        )
    return parsed[1]


def os_condition(
    family: OsFamily | None, version: str | None, min_version: str | None
) -> OsCondition | None:
    """The validated `os` filter; None when it sets nothing."""
    condition = OsCondition(family, version_key(version, "os.version"), version_key(min_version, "os.minVersion"))
    return None if condition == OsCondition() else condition


def image_query(
    *,
    providers: Sequence[ProviderName] | None = None,
    locations: Sequence[str] | None = None,
    image_ids: Sequence[str] | None = None,
    name: str | None = None,
    os_type: OsType | None = None,
    platform: str | None = None,
    source: ImageSource | None = None,
    status: ImageStatus | None = None,
    architecture: str | None = None,
    tag_keys: Sequence[str] | None = None,
    tags: Sequence[TagFilterLike] | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
    raw: Mapping[ProviderName, object | None] | None = None,
    sources: Sequence[ImageSource] | None = None,
    os: OsCondition | None = None,
) -> ImageQuery:
    """Validate an image filter; `raw` holds each provider's raw sub-input (None when not given)."""
    if sources is not None and not sources:
        raise errors.bad_input("`sources` must not be an empty list; omit it for every source", argument="sources")
    after, before = created_range(created_after, created_before)
    return ImageQuery(
        providers=providers_of(providers),
        locations=non_empty_list(locations, "locations"),
        image_ids=non_empty_list(image_ids, "imageIds"),
        name=non_empty(name, "name"),
        os_type=os_type,
        platform=non_empty(platform, "platform"),
        source=source,
        status=status,
        architecture=non_empty(architecture, "architecture"),
        tag_keys=non_empty_list(tag_keys, "tagKeys", MAX_TAG_FILTERS),
        tags=tag_pairs(tags),
        created_after=after,
        created_before=before,
        raw={p: params for p, given in (raw or {}).items() if (params := raw_params(p, given))},
        sources=frozenset(sources) if sources is not None else None,
        os=os,
    )


def volume_query(
    *,
    providers: Sequence[ProviderName] | None = None,
    locations: Sequence[str] | None = None,
    volume_ids: Sequence[str] | None = None,
    name: str | None = None,
    instance_id: str | None = None,
    status: str | None = None,
    tags: Sequence[TagFilterLike] | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
) -> VolumeQuery:
    """Validate a volume filter."""
    after, before = created_range(created_after, created_before)
    return VolumeQuery(
        providers=providers_of(providers),
        locations=non_empty_list(locations, "locations"),
        volume_ids=non_empty_list(volume_ids, "volumeIds"),
        name=non_empty(name, "name"),
        instance_id=non_empty(instance_id, "instanceId"),
        status=non_empty(status, "status"),
        tags=tag_pairs(tags),
        created_after=after,
        created_before=before,
    )


Query = ImageQuery | VolumeQuery
Q = TypeVar("Q", ImageQuery, VolumeQuery)


def selected_providers(query: Query, available: Mapping[ProviderName, object]) -> list[ProviderName]:
    """The providers a query reads, in registry order: those it selects that are configured."""
    return [p for p in PROVIDERS.names if p in available and (query.providers is None or p in query.providers)]


def known_locations(
    query: Q, locations: Mapping[ProviderName, Sequence[Location]], providers: Sequence[ProviderName]
) -> Q:
    """`query` with its location ids checked: unknown ids are BAD_USER_INPUT, naming them.

    When a provider could not list its locations, ids it would know cannot be judged unknown: the ids
    that answering providers know are kept (the failure is already reported)."""
    if query.locations is None:
        return query
    known = {loc.id for locs in locations.values() for loc in locs}
    if len(locations) < len(providers):
        return replace(query, locations=tuple(loc for loc in query.locations if loc in known))
    unknown = [loc for loc in query.locations if loc not in known]
    if unknown:
        raise errors.bad_input(
            f"unknown location(s): {', '.join(unknown)}; query `locations` for the valid ids", argument="locations"
        )
    return query


def selected_locations(query: Query, locations: Sequence[Location]) -> list[Location]:
    """A provider's locations the query selects, sorted by id (connection order)."""
    return sorted((loc for loc in locations if query.locations is None or loc.id in query.locations),
                  key=lambda loc: loc.id)


def with_created_range(sources: list[Source], query: ImageQuery | VolumeQuery) -> list[Source]:
    """`sources` with the query's created range as a residual: no provider API filters by creation time."""
    predicate = created_between(query.created_after, query.created_before)
    if predicate is None:
        return sources
    return [replace(source, residual=(*source.residual, predicate)) for source in sources]


def plan_sources(
    query: ImageQuery, locations: Mapping[ProviderName, Sequence[Location]], trust: TrustOf = fully_trusted
) -> list[Source]:
    """Every source the query selects, in connection order. Unknown locations are BAD_USER_INPUT."""
    providers = selected_providers(query, locations)
    query = known_locations(query, locations, providers)
    planned = with_created_range([
        source
        for provider in providers
        for source in PROVIDERS.get(provider).plan_image_sources(
            query, selected_locations(query, locations[provider]), trust(provider)
        )
    ], query)
    if query.os is None:
        return planned
    # No provider has a parameter for the normalized OS identity: the service applies it, exactly.
    return [replace(source, residual=(*source.residual, query.os.matches)) for source in planned]


def plan_volume_sources(
    query: VolumeQuery, locations: Mapping[ProviderName, Sequence[Location]], trust: TrustOf = fully_trusted
) -> list[Source]:
    """One listing per location the query selects, with the provider's own parameters (everything but the
    created range is pushed down, so there is nothing to learn: `trust` is not read)."""
    providers = selected_providers(query, locations)
    query = known_locations(query, locations, providers)
    sources: list[Source] = []
    for provider in providers:
        params = PROVIDERS.get(provider).volume_params(query)
        sources.extend(Source(provider, loc.id, params) for loc in selected_locations(query, locations[provider]))
    return with_created_range(sources, query)
