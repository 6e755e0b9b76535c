"""From an ImageFilter to provider sources: pushdown, residual predicates and skipped sources.

A *source* is one provider listing: a Zenlayer zone, or a JD Cloud region and image source. For each
source the filter splits into
  - parameters the provider evaluates itself (pushed down: fewer pages to read), and
  - a residual predicate this service applies (when the provider has no such parameter, or the
    normalized value stands for several raw ones), which makes the source's count exact only after
    reading all of it.
A source that cannot match at all (tags on JD Cloud, an architecture on Zenlayer, a JD-only image
source on Zenlayer) is skipped without a call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from providers.base import ImageRecord, ImageSource, ImageStatus, Location, OsType, ProviderName
from providers.jdcloud import models as jdcloud_models
from providers.zenlayer import models as zenlayer_models

from . import errors

MAX_TAG_FILTERS = zenlayer_models.MAX_TAG_FILTERS  # tagKeys and tags take at most 20 entries each

# Normalized value -> the provider value that selects exactly those records (owned by each provider's
# models). A value missing there has no exact provider equivalent and is applied in the service.
ZENLAYER_NO_SUCH_SOURCE = {ImageSource.SHARED, ImageSource.COMMUNITY}


class TagFilterLike(Protocol):
    key: str
    value: str


class ZenlayerFilterLike(Protocol):
    category: str | None
    image_type: str | None
    image_source: str | None
    os_type: str | None
    image_status: str | None


class JdcloudFilterLike(Protocol):
    image_source: str | None
    offline: bool | None
    platform: str | None
    root_device_type: str | None
    launch_permission: str | None
    status: str | None
    architecture: str | None
    boot_mode: str | None
    instance_ids: list[str] | None
    service_code: str | None


@dataclass(frozen=True, slots=True)
class Criteria:
    """The normalized filter, validated. Built from the GraphQL input by `criteria_from`."""

    providers: frozenset[ProviderName] | None = None
    locations: tuple[str, ...] | None = None
    image_ids: tuple[str, ...] | None = None
    name: str | None = None
    os_type: OsType | None = None
    platform: str | None = None
    source: ImageSource | None = None
    status: ImageStatus | None = None
    architecture: str | None = None
    tag_keys: tuple[str, ...] | None = None
    tags: tuple[tuple[str, str], ...] | None = None
    zenlayer: Mapping[str, Any] = field(default_factory=dict)  # raw DescribeImages parameters
    jdcloud: Mapping[str, Any] = field(default_factory=dict)  # raw describeImages parameters

    def digest(self) -> str:
        """Stable digest of everything that selects images (cursors are bound to it)."""
        data = {
            "providers": sorted(p.value for p in self.providers) if self.providers else None,
            "locations": sorted(self.locations) if self.locations else None,
            "imageIds": list(self.image_ids) if self.image_ids else None,
            "name": self.name, "osType": self.os_type and self.os_type.value, "platform": self.platform,
            "source": self.source and self.source.value, "status": self.status and self.status.value,
            "architecture": self.architecture, "tagKeys": self.tag_keys, "tags": self.tags,
            "zenlayer": dict(self.zenlayer), "jdcloud": dict(self.jdcloud),
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


Predicate = Callable[[ImageRecord], bool]


@dataclass(frozen=True, slots=True)
class Source:
    provider: ProviderName
    location: str
    params: Mapping[str, Any]
    residual: tuple[Predicate, ...] = ()

    @property
    def label(self) -> str:
        partition = self.params.get("imageSource")
        return f"{self.provider.value}/{self.location}" + (f"/{partition}" if partition else "")

    def matches(self, record: ImageRecord) -> bool:
        return all(predicate(record) for predicate in self.residual)


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


def raw_params(values: Mapping[str, Any], argument: str) -> dict[str, Any]:
    """Provider parameters given raw: empty strings are refused, unset ones dropped."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, str):
            non_empty(value, f"{argument}.{key}")
        if isinstance(value, list):
            value = list(non_empty_list(value, f"{argument}.{key}") or ())
        out[key] = value
    return out


def criteria_from(
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
    zenlayer: ZenlayerFilterLike | None = None,
    jdcloud: JdcloudFilterLike | None = None,
) -> Criteria:
    """Validate a filter; every problem is a BAD_USER_INPUT error naming the argument."""
    if providers is not None and not providers:
        raise errors.bad_input("`providers` must not be an empty list; omit it for every provider",
                               argument="providers")
    tag_pairs: tuple[tuple[str, str], ...] | None = None
    if tags is not None:
        if not tags:
            raise errors.bad_input("`tags` must not be an empty list; omit it to match everything", argument="tags")
        if len(tags) > MAX_TAG_FILTERS:
            raise errors.bad_input(f"`tags` takes at most {MAX_TAG_FILTERS} entries, got {len(tags)}",
                                   argument="tags")
        tag_pairs = tuple(dict.fromkeys((non_empty(t.key, "tags.key") or "", t.value) for t in tags))
    zenlayer_params = raw_params({
        "category": zenlayer.category, "imageType": zenlayer.image_type, "imageSource": zenlayer.image_source,
        "osType": zenlayer.os_type, "imageStatus": zenlayer.image_status,
    }, "zenlayer") if zenlayer else {}
    jd_params = raw_params({
        "imageSource": jdcloud.image_source, "offline": jdcloud.offline, "platform": jdcloud.platform,
        "rootDeviceType": jdcloud.root_device_type, "launchPermission": jdcloud.launch_permission,
        "status": jdcloud.status, "architecture": jdcloud.architecture, "bootMode": jdcloud.boot_mode,
        "instanceIds": jdcloud.instance_ids, "serviceCode": jdcloud.service_code,
    }, "jdcloud") if jdcloud else {}
    return Criteria(
        providers=frozenset(providers) if providers else None,
        locations=non_empty_list(locations, "locations"),
        image_ids=non_empty_list(image_ids, "imageIds"),
        name=non_empty(name, "name"),
        os_type=os_type,
        platform=non_empty(platform, "platform"),
        source=source,
        status=status,
        architecture=non_empty(architecture, "architecture"),
        tag_keys=non_empty_list(tag_keys, "tagKeys", MAX_TAG_FILTERS),
        tags=tag_pairs,
        zenlayer=zenlayer_params,
        jdcloud=jd_params,
    )


class _Params:
    """Provider parameters being built; a second, different value for one key means no record can match."""

    def __init__(self, initial: Mapping[str, Any]) -> None:
        self.values: dict[str, Any] = dict(initial)
        self.impossible = False

    def put(self, key: str, value: Any) -> None:
        if value is None:
            return
        if key in self.values and self.values[key] != value:
            self.impossible = True
        self.values[key] = value


def _equals(attribute: str, expected: object) -> Predicate:
    def predicate(record: ImageRecord) -> bool:
        return bool(getattr(record, attribute) == expected)

    return predicate


def zenlayer_sources(criteria: Criteria, locations: Iterable[Location]) -> list[Source]:
    if criteria.architecture is not None or criteria.source in ZENLAYER_NO_SUCH_SOURCE:
        return []  # Zenlayer reports no architecture and has no shared or community images
    params = _Params(criteria.zenlayer)
    residual: list[Predicate] = []
    params.put("imageIds", list(criteria.image_ids) if criteria.image_ids else None)
    params.put("imageName", criteria.name)
    params.put("category", criteria.platform)
    params.put("tagKeys", list(criteria.tag_keys) if criteria.tag_keys else None)
    params.put("tags", [{"key": k, "value": v} for k, v in criteria.tags] if criteria.tags else None)
    for value, table, key, attribute in (
        (criteria.os_type, zenlayer_models.OS_TYPE_VALUES, "osType", "os_type"),
        (criteria.source, zenlayer_models.IMAGE_SOURCE_VALUES, "imageSource", "source"),
        (criteria.status, zenlayer_models.IMAGE_STATUS_VALUES, "imageStatus", "status"),
    ):
        if value is None:
            continue
        if value in table:
            params.put(key, table[value])  # type: ignore[index]
        else:
            residual.append(_equals(attribute, value))
    if params.impossible:
        return []
    return [Source(ProviderName.ZENLAYER, loc.id, params.values, tuple(residual)) for loc in locations]


def jdcloud_sources(criteria: Criteria, locations: Iterable[Location]) -> list[Source]:
    if criteria.tag_keys or criteria.tags or criteria.source is ImageSource.OTHER:
        return []  # JD Cloud images carry no tags, and every JD image source maps to a known value
    params = _Params(criteria.jdcloud)
    residual: list[Predicate] = []
    params.put("ids", list(criteria.image_ids) if criteria.image_ids else None)
    params.put("imageName", criteria.name)
    params.put("platform", criteria.platform)
    params.put("architecture", criteria.architecture)
    if criteria.source is not None:
        params.put("imageSource", jdcloud_models.IMAGE_SOURCE_VALUES[criteria.source])
    if criteria.status is not None:
        if criteria.status in jdcloud_models.IMAGE_STATUS_VALUES:
            params.put("status", jdcloud_models.IMAGE_STATUS_VALUES[criteria.status])
        else:
            residual.append(_equals("status", criteria.status))
    if criteria.os_type is not None:
        residual.append(_equals("os_type", criteria.os_type))  # describeImages has no osType parameter
    if params.impossible:
        return []
    # One listing when the source is given or ids make it optional; otherwise one per image source.
    single = "imageSource" in params.values or "ids" in params.values
    # JD Cloud lists one image source per call (imageSource is required unless ids are given), in
    # the models' fixed order: that is the order sources appear in a connection.
    partitions: Sequence[str | None] = [None] if single else jdcloud_models.JD_IMAGE_SOURCES
    return [
        Source(
            ProviderName.JDCLOUD, loc.id,
            params.values if partition is None else {**params.values, "imageSource": partition},
            tuple(residual),
        )
        for loc in locations
        for partition in partitions
    ]


SOURCE_BUILDERS: Mapping[ProviderName, Callable[[Criteria, Iterable[Location]], list[Source]]] = {
    ProviderName.ZENLAYER: zenlayer_sources,
    ProviderName.JDCLOUD: jdcloud_sources,
}

PROVIDER_ORDER = (ProviderName.ZENLAYER, ProviderName.JDCLOUD)


def check_locations(wanted: Sequence[str] | None, locations: Mapping[ProviderName, Sequence[Location]]) -> None:
    """Unknown location ids are BAD_USER_INPUT, naming them."""
    if wanted is None:
        return
    known = {loc.id for locs in locations.values() for loc in locs}
    unknown = [loc for loc in wanted if loc not in known]
    if unknown:
        raise errors.bad_input(
            f"unknown location(s): {', '.join(unknown)}; query `locations` for the valid ids", argument="locations"
        )


def plan_sources(criteria: Criteria, locations: Mapping[ProviderName, Sequence[Location]]) -> list[Source]:
    """Every source the filter selects, in connection order. Unknown locations are BAD_USER_INPUT."""
    check_locations(criteria.locations, locations)
    sources: list[Source] = []
    for provider in PROVIDER_ORDER:
        if provider not in locations or (criteria.providers and provider not in criteria.providers):
            continue
        selected = sorted(
            (loc for loc in locations[provider] if criteria.locations is None or loc.id in criteria.locations),
            key=lambda loc: loc.id,
        )
        sources.extend(SOURCE_BUILDERS[provider](criteria, selected))
    return sources
