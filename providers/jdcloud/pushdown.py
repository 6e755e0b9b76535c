"""Image and volume queries as JD Cloud describeImages / describeDisks parameters.

describeImages lists one image source per call (`imageSource` is required unless `ids` are given),
so an image query is one listing per region and image source, in the models' fixed source order,
unless the query names the source or ids; `sources` (any of) keeps only the partitions it names.
It has no `osType` parameter (applied by the service) and JD Cloud images carry no tags (such queries
list nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..base import ImageSource, Location
from ..query import ImageQuery, Params, Predicate, Source, VolumeQuery, equals, one_of
from . import models, records


def plan_image_sources(query: ImageQuery, locations: Sequence[Location]) -> list[Source]:
    if query.tag_keys or query.tags or query.source is ImageSource.OTHER:
        return []  # every JD image source maps to a known value, so OTHER matches none
    params = Params(query.raw_for(models.NAME))
    residual: list[Predicate] = []
    params.put("ids", list(query.image_ids) if query.image_ids else None)
    params.put("imageName", query.name)
    params.put("platform", query.platform)
    params.put("architecture", query.architecture)
    if query.source is not None:
        params.put("imageSource", records.IMAGE_SOURCE_VALUES[query.source])
    if query.status is not None:
        if query.status in records.IMAGE_STATUS_VALUES:
            params.put("status", records.IMAGE_STATUS_VALUES[query.status])
        else:
            residual.append(equals("status", query.status))
    if query.os_type is not None:
        residual.append(equals("os_type", query.os_type))
    if params.impossible:
        return []
    single = "imageSource" in params.values or "ids" in params.values
    allowed = query.sources
    if allowed is not None and "imageSource" in params.values:
        if records.image_source_of(params.values["imageSource"]) not in allowed:
            return []
    elif allowed is not None and single:
        residual.append(one_of("source", allowed))  # ids list every source in one call
    partitions: Sequence[str | None] = [None] if single else [
        p for p in records.JD_IMAGE_SOURCES if allowed is None or records.IMAGE_SOURCES[p] in allowed
    ]
    return [
        Source(
            models.NAME, loc.id,
            params.values if partition is None else {**params.values, "imageSource": partition},
            tuple(residual), "imageSource",
        )
        for loc in locations
        for partition in partitions
    ]


def _filter(name: str, values: Sequence[str]) -> dict[str, Any]:
    return {"name": name, "operator": "eq", "values": list(values)}


def volume_params(query: VolumeQuery) -> dict[str, Any]:
    """describeDisks parameters: `filters` diskId (any of), name (fuzzy), instanceId, status (raw);
    `tags` [{key, values: [value]}] (all of)."""
    filters = [
        _filter(name, values) for name, values in (
            ("diskId", query.volume_ids or ()),
            ("name", [query.name] if query.name else []),
            ("instanceId", [query.instance_id] if query.instance_id else []),
            ("status", [query.status] if query.status else []),
        ) if values
    ]
    params: dict[str, Any] = {}
    if filters:
        params["filters"] = filters
    if query.tags:
        params["tags"] = [{"key": k, "values": [v]} for k, v in query.tags]
    return params
