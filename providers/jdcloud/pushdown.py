"""Image and volume queries as JD Cloud describeImages / describeDisks parameters.

describeImages lists one image source per call (`imageSource` is required unless `ids` are given),
so an image query is one listing per region and image source, in the models' fixed source order;
`sources` (any of) keeps only the partitions it names.

Sources are chosen by what each parameter means (the describeImages parameter table): `offline` only
has meaning for `public` and `thirdparty` images and `launchPermission` only for `private` ones, so
either restricts the listing to those sources and every condition is an AND; conditions that leave
no source (offline with a private source, launchPermission with public) list nothing, without a call.
With `ids`, `offline` is ignored by the API, so the service applies it. describeImages has no
`osType` parameter (applied by the service) and JD Cloud images carry no tags (such queries list
nothing). An image source value this service does not know is sent as given: the API judges it.
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
    Source,
    Test,
    TestOf,
    Trust,
    VolumeQuery,
    among,
    contains,
    equals,
    holds,
    one_of,
    raw_same,
    same,
)
from . import models, records

# Parameters that only have meaning for some image sources (describeImages' parameter table).
SOURCE_BOUND: Mapping[str, frozenset[str]] = {
    "offline": frozenset({"public", "thirdparty"}),
    "launchPermission": frozenset({"private"}),
}
IGNORED_WITH_IDS = frozenset({"offline"})  # the table: with `ids` given, `offline` has no effect


def _source_test(value: Any) -> Test:
    """`imageSource` names a source in either vocabulary (public = jcloud, ...); an unknown word asked for is
    compared as written. A record's source in neither vocabulary cannot contradict (undocumented data)."""
    wanted = records.image_source_of(str(value))

    def test(record: ImageRecord) -> bool | None:
        if record.source_raw is None:
            return None
        if records.image_source_of(record.source_raw) is ImageSource.OTHER and wanted is not ImageSource.OTHER:
            return None
        if wanted is ImageSource.OTHER:
            return record.source_raw.lower() == str(value).lower()
        return records.image_source_of(record.source_raw) is wanted

    return test


# Every describeImages parameter the service sends, as a condition on a record (to verify answers, and
# to apply it here when the API is not trusted with it).
TESTS: Mapping[str, TestOf] = {
    "ids": among("image_id"),
    "imageSource": _source_test,
    "imageName": contains("name"),
    "platform": same("platform"),
    "architecture": same("architecture"),
    "status": same("status_raw", fold=True, documented=lambda v: records.image_status_of(v) is not ImageStatus.OTHER),
    "rootDeviceType": same("root_device_type"),
    "launchPermission": same("launch_permission"),
    "offline": same("offline"),
    "bootMode": same("boot_mode"),
    "instanceIds": among("instance_id"),
    "serviceCode": raw_same("serviceCode"),
}


def _allowed_sources(query: ImageQuery, raw: Mapping[str, Any], given: str | None, trust: Trust) -> list[str]:
    """The known image sources every condition leaves, in listing order."""
    allowed = [s for s in records.JD_IMAGE_SOURCES if not trust.refuses("imageSource", s)]
    if given is not None:
        allowed = [s for s in allowed if s == given]
    if query.source is not None:
        allowed = [s for s in allowed if s == records.IMAGE_SOURCE_VALUES[query.source]]
    for param, sources in SOURCE_BOUND.items():
        if param in raw:
            allowed = [s for s in allowed if s in sources]
    if query.sources is not None:
        allowed = [s for s in allowed if records.IMAGE_SOURCES[s] in query.sources]
    return allowed


def plan_image_sources(query: ImageQuery, locations: Sequence[Location], trust: Trust = TRUSTED) -> list[Source]:
    if query.tag_keys or query.tags or query.source is ImageSource.OTHER:
        return []  # every JD image source maps to a known value, so OTHER matches none
    raw = dict(query.raw_for(models.NAME))
    given = raw.pop("imageSource", None)
    known = given is None or given in records.JD_IMAGE_SOURCES
    allowed = _allowed_sources(query, raw, given, trust) if known else [given]
    narrowed = known and (given is not None or query.source is not None or query.sources is not None
                          or any(p in raw for p in SOURCE_BOUND))
    if not allowed:
        return []
    plan = Plan(trust, TESTS)
    plan.push("ids", list(query.image_ids) if query.image_ids else None, Origin.FILTER)
    by_ids = "ids" in plan.values
    plan.push("imageName", query.name, Origin.FILTER)
    plan.push("platform", query.platform, Origin.FILTER)
    plan.push("architecture", query.architecture, Origin.FILTER)
    if query.status is not None:
        if query.status in records.IMAGE_STATUS_VALUES:
            plan.push("status", records.IMAGE_STATUS_VALUES[query.status], Origin.FILTER)
        else:
            plan.keep(equals("status", query.status))
    if query.os_type is not None:
        plan.keep(equals("os_type", query.os_type))
    if not known and query.source is not None:
        plan.keep(equals("source", query.source))
    if not known and query.sources is not None:
        plan.keep(one_of("source", query.sources))
    for param, value in raw.items():
        if by_ids and param in IGNORED_WITH_IDS:
            plan.keep(holds(TESTS[param](value)))
        else:
            plan.push(param, value, Origin.RAW)
    if plan.impossible:
        return []
    origin = Origin.RAW if given is not None else Origin.FILTER if query.source is not None else Origin.PARTITION
    if by_ids:
        # One listing per region; a source narrows it (sent when the conditions leave one, else applied here).
        # A refusal then is of the source beside ids, not of the source itself: it is a filter, not a partition.
        if narrowed and len(allowed) == 1:
            plan.push("imageSource", allowed[0], Origin.RAW if given is not None else Origin.FILTER)
        elif narrowed:
            wanted = frozenset(allowed)
            plan.keep(lambda record: record.source_raw in wanted)
        return [plan.source(models.NAME, loc.id, "imageSource") for loc in locations]
    partitions = []
    for partition in allowed:
        part = plan.copy()
        part.push("imageSource", partition, origin, required=True)
        partitions.append(part)
    return [part.source(models.NAME, loc.id, "imageSource") for loc in locations for part in partitions]


def _filter(name: str, values: Sequence[str]) -> dict[str, Any]:
    return {"name": name, "operator": "eq", "values": list(values)}


def volume_params(query: VolumeQuery) -> dict[str, Any]:
    """describeDisks parameters: `filters` diskId (any of), name (fuzzy), instanceId, status (raw);
    `tags` [{key, values: [value]}] (all of; a key alone matches any value)."""
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
        params["tags"] = [{"key": k, **({"values": [v]} if v is not None else {})} for k, v in query.tags]
    return params
