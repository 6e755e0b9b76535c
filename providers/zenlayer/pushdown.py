"""Image and volume queries as Zenlayer DescribeImages / DescribeDisks parameters.

An image query is one listing per zone. Conditions DescribeImages has an exact parameter for are
pushed down; a normalized value standing for several raw ones, or `sources` naming several, is applied
by the service (residual).
Zenlayer reports no architecture and has no shared or community images: such queries list nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base import ImageSource, Location
from ..query import ImageQuery, Params, Predicate, Source, VolumeQuery, equals, one_of
from . import models, records

NO_SUCH_SOURCE = frozenset({ImageSource.SHARED, ImageSource.COMMUNITY})


def plan_image_sources(query: ImageQuery, locations: Sequence[Location]) -> list[Source]:
    if query.architecture is not None or query.source in NO_SUCH_SOURCE:
        return []
    params = Params(query.raw_for(models.NAME))
    residual: list[Predicate] = []
    params.put("imageIds", list(query.image_ids) if query.image_ids else None)
    params.put("imageName", query.name)
    params.put("category", query.platform)
    params.put("tagKeys", list(query.tag_keys) if query.tag_keys else None)
    params.put("tags", [{"key": k, "value": v} for k, v in query.tags] if query.tags else None)
    for value, table, key, attribute in (
        (query.os_type, records.OS_TYPE_VALUES, "osType", "os_type"),
        (query.source, records.IMAGE_SOURCE_VALUES, "imageSource", "source"),
        (query.status, records.IMAGE_STATUS_VALUES, "imageStatus", "status"),
    ):
        if value is None:
            continue
        if value in table:
            params.put(key, table[value])  # type: ignore[index]
        else:
            residual.append(equals(attribute, value))
    if query.sources is not None:
        # Any of several sources: one value is a parameter; several (or OTHER, which no value selects)
        # are applied by the service on the zone's one listing, which costs no more calls than one source.
        offered = [s for s in records.IMAGE_SOURCE_VALUES if s in query.sources]
        if not offered and ImageSource.OTHER not in query.sources:
            return []
        if len(offered) == 1 and ImageSource.OTHER not in query.sources:
            params.put("imageSource", records.IMAGE_SOURCE_VALUES[offered[0]])
        else:
            residual.append(one_of("source", query.sources))
    if params.impossible:
        return []
    return [Source(models.NAME, loc.id, params.values, tuple(residual), "imageSource") for loc in locations]


def volume_params(query: VolumeQuery) -> dict[str, Any]:
    """DescribeDisks parameters: every condition has one (diskIds, diskName fuzzy, instanceId,
    diskStatus raw, tags [{key, value}] all of)."""
    params: dict[str, Any] = {
        "diskIds": list(query.volume_ids) if query.volume_ids else None,
        "diskName": query.name,
        "instanceId": query.instance_id,
        "diskStatus": query.status,
        "tags": [{"key": k, "value": v} for k, v in query.tags] if query.tags else None,
    }
    return {k: v for k, v in params.items() if v is not None}
