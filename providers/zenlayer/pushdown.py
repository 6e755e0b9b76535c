"""Image and volume queries as Zenlayer DescribeImages / DescribeDisks parameters.

An image query is one listing per zone. Conditions DescribeImages has an exact parameter for are
pushed down; a normalized value standing for several raw ones, or `sources` naming several, is applied
by the service (residual).
Zenlayer reports no architecture and has no shared or community images: such queries list nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..base import ImageRecord, ImageSource, ImageStatus, Location
from ..query import (
    TRUSTED,
    ImageQuery,
    Origin,
    Plan,
    Predicate,
    Source,
    Test,
    TestOf,
    Trust,
    VolumeQuery,
    among,
    contains,
    equals,
    one_of,
    same,
)
from . import models, records

NO_SUCH_SOURCE = frozenset({ImageSource.SHARED, ImageSource.COMMUNITY})


def _tag_keys_test(keys: Any) -> Test:
    """`tagKeys`: carrying at least one of the keys. A record without tags cannot say (the field may be left
    out of listings)."""
    wanted = frozenset(keys)
    return lambda record: (not wanted.isdisjoint(t.key for t in record.tags)) if record.tags else None


def _tags_test(pairs: Any) -> Test:
    """`tags`: carrying every key=value pair."""
    wanted = [(p["key"], p.get("value")) for p in pairs]

    def test(record: ImageRecord) -> bool | None:
        if not record.tags:
            return None
        carried = {(t.key, t.value) for t in record.tags}
        return all(pair in carried for pair in wanted)

    return test


def has_tag_key(key: str) -> Predicate:
    return lambda record: any(t.key == key for t in record.tags)


# Every DescribeImages parameter the service sends, as a condition on a record.
TESTS: Mapping[str, TestOf] = {
    "imageIds": among("image_id"),
    "imageName": contains("name"),
    "category": same("platform"),
    "imageType": same("image_type", fold=True),
    "imageSource": same("source_raw", fold=True, documented=lambda v: records.source_of(v) is not ImageSource.OTHER),
    "osType": same("os_type_raw", fold=True, documented=lambda v: v.lower() in (*records.OS_TYPES, "any")),
    "imageStatus": same("status_raw", fold=True, documented=lambda v: records.status_of(v) is not ImageStatus.OTHER),
    "tagKeys": _tag_keys_test,
    "tags": _tags_test,
}


def plan_image_sources(query: ImageQuery, locations: Sequence[Location], trust: Trust = TRUSTED) -> list[Source]:
    if query.architecture is not None or query.source in NO_SUCH_SOURCE:
        return []
    plan = Plan(trust, TESTS)
    for param, value in query.raw_for(models.NAME).items():
        plan.push(param, value, Origin.RAW)
    plan.push("imageIds", list(query.image_ids) if query.image_ids else None, Origin.FILTER)
    plan.push("imageName", query.name, Origin.FILTER)
    plan.push("category", query.platform, Origin.FILTER)
    plan.push("tagKeys", list(query.tag_keys) if query.tag_keys else None, Origin.FILTER)
    pairs = [{"key": k, "value": v} for k, v in query.tags or () if v is not None]
    plan.push("tags", pairs or None, Origin.FILTER)
    for key, value in query.tags or ():
        if value is None:  # a key alone: DescribeImages documents no such tag filter, so it is applied here
            plan.keep(has_tag_key(key))
    for value, table, key, attribute in (
        (query.os_type, records.OS_TYPE_VALUES, "osType", "os_type"),
        (query.source, records.IMAGE_SOURCE_VALUES, "imageSource", "source"),
        (query.status, records.IMAGE_STATUS_VALUES, "imageStatus", "status"),
    ):
        if value is None:
            continue
        if value in table:
            plan.push(key, table[value], Origin.FILTER)  # type: ignore[index]
        else:
            plan.keep(equals(attribute, value))
    if query.sources is not None:
        # Any of several sources: one value is a parameter; several (or OTHER, which no value selects)
        # are applied by the service on the zone's one listing, which costs no more calls than one source.
        offered = [s for s in records.IMAGE_SOURCE_VALUES if s in query.sources]
        if not offered and ImageSource.OTHER not in query.sources:
            return []
        if len(offered) == 1 and ImageSource.OTHER not in query.sources:
            plan.push("imageSource", records.IMAGE_SOURCE_VALUES[offered[0]], Origin.FILTER)
        else:
            plan.keep(one_of("source", query.sources))
    if plan.impossible:
        return []
    return [plan.source(models.NAME, loc.id, "imageSource") for loc in locations]


def volume_params(query: VolumeQuery) -> dict[str, Any]:
    """DescribeDisks parameters: every condition has one (diskIds, diskName fuzzy, instanceId,
    diskStatus raw, tags [{key, value}] all of; a key alone matches any value)."""
    params: dict[str, Any] = {
        "diskIds": list(query.volume_ids) if query.volume_ids else None,
        "diskName": query.name,
        "instanceId": query.instance_id,
        "diskStatus": query.status,
        "tags": [{"key": k, "value": v} for k, v in query.tags] if query.tags else None,
    }
    return {k: v for k, v in params.items() if v is not None}
