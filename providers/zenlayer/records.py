"""Zenlayer ZEC records: tolerant readers from DescribeImages / DescribeZones / DescribeDisks items to the
normalized records of `providers.base`, the vocabularies they normalize with, and the reverse tables
filter pushdown uses. The wire format (bodies, envelopes, errors) is `models.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from .. import readers
from ..base import (
    ImagePage,
    ImageRecord,
    ImageSource,
    ImageStatus,
    Location,
    OsType,
    Tag,
    VolumePage,
    VolumeRecord,
    VolumeStatus,
)
from .models import NAME

log = logging.getLogger("providers.zenlayer")

# --- tolerant readers -------------------------------------------------------------------------------


def parse_tags(value: Any) -> tuple[Tag, ...]:
    """null, absent, {}, {"tags": null}, {"tags": [...]} and a bare list all become a tuple of Tag."""
    if isinstance(value, Mapping):
        value = value.get("tags")
    if not isinstance(value, list):
        return ()
    tags: list[Tag] = []
    for item in value:
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            tag_value = item.get("value")
            tags.append(Tag(item["key"], None if tag_value is None else str(tag_value)))
    return tuple(tags)








def _datetime(value: Any) -> datetime | None:
    """Zenlayer writes UTC (`2024-05-13T09:42:34Z`); a time without an offset is read as UTC too, so every
    time compares with every other (the created-range filters)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


OS_TYPES: Mapping[str, OsType] = {
    "linux": OsType.LINUX, "windows": OsType.WINDOWS, "bsd": OsType.BSD, "android": OsType.ANDROID,
}
IMAGE_SOURCES: Mapping[str, ImageSource] = {
    "OFFICIAL": ImageSource.OFFICIAL, "MARKETING": ImageSource.MARKETPLACE, "CUSTOM": ImageSource.CUSTOM,
}
IMAGE_STATUSES: Mapping[str, ImageStatus] = {
    "AVAILABLE": ImageStatus.AVAILABLE, "CREATING": ImageStatus.CREATING, "UNAVAILABLE": ImageStatus.UNAVAILABLE,
    "DELETING": ImageStatus.DELETING, "FAILED": ImageStatus.FAILED,
    # Terraform knows these; they are images on their way to AVAILABLE.
    "SYNCING": ImageStatus.CREATING, "PROCESSING": ImageStatus.CREATING,
}


def os_type_of(raw: str | None) -> OsType:
    """ZEC writes lowercase, the older vm docs Title-case: compare without case. `any` is OTHER."""
    return OS_TYPES.get(raw.lower(), OsType.OTHER) if raw else OsType.OTHER


def source_of(raw: str | None) -> ImageSource:
    return IMAGE_SOURCES.get(raw.upper(), ImageSource.OTHER) if raw else ImageSource.OTHER


# DescribeDisks `diskStatus` (the Terraform provider's list); RECYCLING is on its way to the recycle bin.
VOLUME_STATUSES: Mapping[str, VolumeStatus] = {
    "AVAILABLE": VolumeStatus.AVAILABLE, "IN_USE": VolumeStatus.IN_USE, "CREATING": VolumeStatus.CREATING,
    "ATTACHING": VolumeStatus.ATTACHING, "DETACHING": VolumeStatus.DETACHING, "CHANGING": VolumeStatus.CHANGING,
    "DELETING": VolumeStatus.DELETING, "RECYCLING": VolumeStatus.DELETING, "RECYCLED": VolumeStatus.RECYCLED,
    "FAILED": VolumeStatus.FAILED,
}


def status_of(raw: str | None) -> ImageStatus:
    return IMAGE_STATUSES.get(raw.upper(), ImageStatus.OTHER) if raw else ImageStatus.OTHER


def _nic_types(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value else ()  # "vf,virtio" is one documented value, not two
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()




def parse_image(record: Mapping[str, Any], location: str) -> ImageRecord | None:
    """One Image; None when it has no usable imageId (the caller counts and logs it)."""
    image_id = readers.usable_id(record.get("imageId"))
    if image_id is None:
        return None
    os_raw = readers.text(record.get("osType"))
    source_raw = readers.text(record.get("imageSource"))
    status_raw = readers.text(record.get("imageStatus"))
    return ImageRecord(
        provider=NAME,
        location=location,
        image_id=image_id,
        name=readers.text(record.get("imageName")) or image_id,
        os_type=os_type_of(os_raw),
        source=source_of(source_raw),
        status=status_of(status_raw),
        raw=record,
        description=readers.text(record.get("imageDescription")),
        os_type_raw=os_raw,
        platform=readers.text(record.get("category")),
        os_version=readers.text(record.get("imageVersion")),
        source_raw=source_raw,
        status_raw=status_raw,
        disk_size_gib=readers.number(record.get("imageSize")),
        min_disk_size_gib=readers.integer(record.get("minDiskSize")),
        image_type=readers.text(record.get("imageType")),
        nic_network_types=_nic_types(record.get("nicNetworkType")),
        tags=parse_tags(record.get("tags")),
    )


def _records(response: Mapping[str, Any], key: str) -> list[Any]:
    items = response.get(key)
    return items if isinstance(items, list) else []


def parse_images(response: Mapping[str, Any], location: str) -> tuple[list[ImageRecord], int]:
    """Every readable image of a DescribeImages response, and how many were skipped."""
    records: list[ImageRecord] = []
    skipped = 0
    for index, item in enumerate(_records(response, "dataSet")):
        image = parse_image(item, location) if isinstance(item, Mapping) else None
        if image is None:
            skipped += 1
            # Position and location only: enough to find the record, nothing from inside it.
            log.warning("zenlayer DescribeImages [%s]: skipped record %d without a usable imageId", location, index)
            continue
        records.append(image)
    return records, skipped


def parse_image_page(response: Mapping[str, Any], location: str, request_id: str | None) -> ImagePage:
    records, skipped = parse_images(response, location)
    total = readers.integer(response.get("totalCount"))
    return ImagePage(records, total if total is not None else len(records) + skipped, request_id, skipped)


def parse_zone(record: Mapping[str, Any]) -> Location | None:
    zone_id = readers.usable_id(record.get("zoneId"))
    if zone_id is None:
        return None
    return Location(
        provider=NAME,
        id=zone_id,
        name=readers.text(record.get("zoneName")),
        region_id=readers.text(record.get("regionId")),
        city_name=readers.text(record.get("cityName")),
        country_code=readers.text(record.get("countryCode")),
    )


def parse_zones(response: Mapping[str, Any]) -> list[Location]:
    zones = [parse_zone(item) for item in _records(response, "zoneSet") if isinstance(item, Mapping)]
    return [zone for zone in zones if zone is not None]


def parse_volume(record: Mapping[str, Any], location: str) -> VolumeRecord | None:
    disk_id = readers.usable_id(record.get("diskId"))
    if disk_id is None:
        return None
    status_raw = readers.text(record.get("diskStatus"))
    return VolumeRecord(
        provider=NAME,
        location=location,
        disk_id=disk_id,
        name=readers.text(record.get("diskName")) or disk_id,
        status=VOLUME_STATUSES.get((status_raw or "").upper(), VolumeStatus.OTHER),
        disk_type=readers.text(record.get("diskType")),
        category=readers.text(record.get("diskCategory")),
        size_gib=readers.integer(record.get("diskSize")),
        status_raw=status_raw,
        instance_id=readers.text(record.get("instanceId")),
        zone_id=readers.text(record.get("zoneId")),
        encrypted=None,  # DiskInfo has no such field
        snapshot_id=None,
        created_at=_datetime(record.get("createTime")),
        tags=parse_tags(record.get("tags")),
        raw=record,
    )


def parse_volume_page(response: Mapping[str, Any], location: str, request_id: str | None) -> VolumePage:
    volumes: list[VolumeRecord] = []
    for index, item in enumerate(_records(response, "dataSet")):
        volume = parse_volume(item, location) if isinstance(item, Mapping) else None
        if volume is None:
            log.warning("zenlayer DescribeDisks [%s]: skipped record %d without a usable diskId", location, index)
            continue
        volumes.append(volume)
    total = readers.integer(response.get("totalCount"))
    return VolumePage(volumes, total if total is not None else len(volumes), request_id)


# --- reverse mappings for filter pushdown -----------------------------------------------------------

OS_TYPE_VALUES: Mapping[OsType, str] = {
    OsType.LINUX: "linux", OsType.WINDOWS: "windows", OsType.BSD: "bsd", OsType.ANDROID: "android",
}
IMAGE_SOURCE_VALUES: Mapping[ImageSource, str] = {
    ImageSource.OFFICIAL: "OFFICIAL", ImageSource.MARKETPLACE: "MARKETING", ImageSource.CUSTOM: "CUSTOM",
}
# CREATING is left out on purpose: it also stands for SYNCING and PROCESSING, so no single request
# value selects exactly the records that normalize to it; the service filters those itself.
IMAGE_STATUS_VALUES: Mapping[ImageStatus, str] = {
    ImageStatus.AVAILABLE: "AVAILABLE", ImageStatus.UNAVAILABLE: "UNAVAILABLE", ImageStatus.DELETING: "DELETING",
    ImageStatus.FAILED: "FAILED",
}
