"""JD Cloud records: the vocabularies (image sources, statuses, OS types) and tolerant readers from
describeImages / describeDisks items to the normalized records of `providers.base`. The wire format
(query codec, envelopes, errors) is `models.py`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from ..base import (
    Disk,
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
from ..readers import boolean, integer, label, number, usable_id
from .models import NAME

log = logging.getLogger("providers.jdcloud")
# JD Cloud writes times without a zone ("2020-08-21 11:36:36"); its consoles and docs show China
# Standard Time, so a time without an offset is read as UTC+8.
CHINA_TIME = timezone(timedelta(hours=8), "CST")

# --- vocabularies -----------------------------------------------------------------------------------

# The SDK's words and the old docs' words (providers.md section 3.9) for the same sources.
IMAGE_SOURCES: Mapping[str, ImageSource] = {
    "public": ImageSource.OFFICIAL, "jcloud": ImageSource.OFFICIAL,
    "thirdparty": ImageSource.MARKETPLACE, "marketplace": ImageSource.MARKETPLACE,
    "private": ImageSource.CUSTOM, "self": ImageSource.CUSTOM,
    "shared": ImageSource.SHARED, "share": ImageSource.SHARED,
    "community": ImageSource.COMMUNITY,
}
# describeImages lists one source per call; a listing of "every image" walks them in this order
# (official first, then marketplace, the account's own, shared with it, community).
JD_IMAGE_SOURCES: tuple[str, ...] = ("public", "thirdparty", "private", "shared", "community")
# Normalized value -> the describeImages value that selects exactly those records.
IMAGE_SOURCE_VALUES: Mapping[ImageSource, str] = {
    ImageSource.OFFICIAL: "public", ImageSource.MARKETPLACE: "thirdparty", ImageSource.CUSTOM: "private",
    ImageSource.SHARED: "shared", ImageSource.COMMUNITY: "community",
}
# Only `ready` is documented; other statuses map to several raw values, so only AVAILABLE pushes down.
IMAGE_STATUS_VALUES: Mapping[ImageStatus, str] = {ImageStatus.AVAILABLE: "ready"}
_STATUSES: Mapping[str, ImageStatus] = {
    "ready": ImageStatus.AVAILABLE,
    "creating": ImageStatus.CREATING, "copying": ImageStatus.CREATING, "converting": ImageStatus.CREATING,
    "pending": ImageStatus.CREATING,
    "deleting": ImageStatus.DELETING,
}
_OS_TYPES: Mapping[str, OsType] = {"windows": OsType.WINDOWS, "linux": OsType.LINUX}



def image_source_of(raw: str | None) -> ImageSource:
    return IMAGE_SOURCES.get((raw or "").strip().lower(), ImageSource.OTHER)


# describeDisks `status`; `deleted` and `in-recyclebin` disks are both out of use and recoverable no more
# from the listing's point of view, so they share RECYCLED.
_VOLUME_STATUSES: Mapping[str, VolumeStatus] = {
    "available": VolumeStatus.AVAILABLE, "in-use": VolumeStatus.IN_USE, "creating": VolumeStatus.CREATING,
    "attaching": VolumeStatus.ATTACHING, "detaching": VolumeStatus.DETACHING, "extending": VolumeStatus.CHANGING,
    "restoring": VolumeStatus.CHANGING, "deleting": VolumeStatus.DELETING, "deleted": VolumeStatus.RECYCLED,
    "in-recyclebin": VolumeStatus.RECYCLED,
}


# JD Cloud has no region listing API; its console names the regions so (display name, city), all in China.
REGIONS: Mapping[str, tuple[str, str]] = {
    "cn-north-1": ("North China (Beijing)", "Beijing"),
    "cn-east-1": ("East China (Suqian)", "Suqian"),
    "cn-east-2": ("East China (Shanghai)", "Shanghai"),
    "cn-south-1": ("South China (Guangzhou)", "Guangzhou"),
}


def region(region_id: str) -> Location:
    """A configured region as a location: its display name, city and country when JD Cloud's are known."""
    name, city = REGIONS.get(region_id, (None, None))
    return Location(NAME, region_id, name=name, city_name=city, country_code="CN" if name else None)


def volume_status_of(raw: str | None) -> VolumeStatus:
    value = (raw or "").strip().lower()
    if value.startswith("error"):
        return VolumeStatus.FAILED  # error_create, error_delete, error_restore, error_extend
    return _VOLUME_STATUSES.get(value, VolumeStatus.OTHER)


def image_status_of(raw: str | None) -> ImageStatus:
    value = (raw or "").strip().lower()
    if value.startswith("error"):
        return ImageStatus.FAILED  # error, error_create, error_copy, ...
    return _STATUSES.get(value, ImageStatus.OTHER)


def os_type_of(raw: str | None) -> OsType:
    return _OS_TYPES.get((raw or "").strip().lower(), OsType.OTHER)


# --- tolerant readers -------------------------------------------------------------------------------


def parse_time(value: object) -> datetime | None:
    """`2020-08-21 11:36:36` (China time, see CHINA_TIME) or ISO 8601 with or without an offset."""
    text = label(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=CHINA_TIME)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_disk_attachment(value: object) -> Disk | None:
    """An InstanceDiskAttachment; its size and type come from localDisk or cloudDisk."""
    if not isinstance(value, Mapping):
        return None
    local, cloud = _mapping(value.get("localDisk")), _mapping(value.get("cloudDisk"))
    inner = cloud or local
    encrypted = boolean(cloud.get("encrypted"))
    if encrypted is None:
        encrypted = boolean(cloud.get("encrypt"))  # the docs' example also spells it so
    return Disk(
        category=label(value.get("diskCategory")),
        device_name=label(value.get("deviceName")),
        disk_type=label(inner.get("diskType")),
        size_gib=integer(inner.get("diskSizeGB")),
        iops=integer(cloud.get("iops")),
        snapshot_id=label(cloud.get("snapshotId")),
        encrypted=encrypted,
        auto_delete=boolean(value.get("autoDelete")),
    )


def boot_mode_of(raw: Mapping[str, Any]) -> str | None:
    """bootMode as given, else derived from uefiSupport (true <=> uefi), which the docs' example uses."""
    mode = label(raw.get("bootMode"))
    if mode is not None:
        return mode
    uefi = boolean(raw.get("uefiSupport"))
    return None if uefi is None else ("uefi" if uefi else "bios")


def parse_image(raw: object, location: str) -> ImageRecord | None:
    """An Image record, or None when it has no usable imageId (the caller counts it as skipped)."""
    if not isinstance(raw, Mapping):
        return None
    image_id = usable_id(raw.get("imageId"))
    if image_id is None:
        return None
    size_mb = number(raw.get("sizeMB"))
    data_disks = raw.get("dataDisks")
    return ImageRecord(
        provider=NAME,
        location=location,
        image_id=image_id,
        name=label(raw.get("name")) or image_id,
        description=label(raw.get("desc")),
        os_type=os_type_of(label(raw.get("osType"))),
        os_type_raw=label(raw.get("osType")),
        platform=label(raw.get("platform")),
        os_version=label(raw.get("osVersion")),
        architecture=label(raw.get("architecture")),
        source=image_source_of(label(raw.get("imageSource"))),
        source_raw=label(raw.get("imageSource")),
        status=image_status_of(label(raw.get("status"))),
        status_raw=label(raw.get("status")),
        file_size_gib=None if size_mb is None else size_mb / 1024,
        # systemDiskSizeGB is the image's system disk: its size, and the smallest disk it boots on.
        disk_size_gib=number(raw.get("systemDiskSizeGB")),
        min_disk_size_gib=integer(raw.get("systemDiskSizeGB")),
        created_at=parse_time(raw.get("createTime")),
        expires_at=parse_time(raw.get("expiredTime")),  # empty: permanent
        owner_pin=label(raw.get("ownerPin")),
        snapshot_id=label(raw.get("snapshotId")),
        imported=boolean(raw.get("imported")),
        instance_id=label(raw.get("instanceId")),
        root_device_type=label(raw.get("rootDeviceType")),
        launch_permission=label(raw.get("launchPermission")),
        offline=boolean(raw.get("offline")),
        boot_mode=boot_mode_of(raw),
        progress=integer(raw.get("progress")),
        system_disk=parse_disk_attachment(raw.get("systemDisk")),
        data_disks=tuple(
            disk for disk in map(parse_disk_attachment, data_disks if isinstance(data_disks, list) else [])
            if disk is not None
        ),
        raw=dict(raw),
    )


def parse_image_page(result: Mapping[str, Any], location: str, request_id: str | None) -> ImagePage:
    items = result.get("images")
    items = items if isinstance(items, list) else []
    records = [record for record in (parse_image(item, location) for item in items) if record is not None]
    skipped = len(items) - len(records)
    if skipped:
        log.warning("jdcloud describeImages [%s]: skipped %d record(s) without imageId requestId=%s",
                    location, skipped, request_id)
    total = integer(result.get("totalCount"))
    return ImagePage(records, total if total is not None else len(items), request_id, skipped)


def parse_tags(value: object) -> tuple[Tag, ...]:
    """Disk tags: a plain array of {key, value}; a Zenlayer-style wrapper object is read too."""
    if isinstance(value, Mapping):
        value = value.get("tags")
    if not isinstance(value, list):
        return ()
    return tuple(
        Tag(key, label(item.get("value")))
        for item in value if isinstance(item, Mapping) and (key := label(item.get("key"))) is not None
    )


def parse_volume(raw: object, location: str) -> VolumeRecord | None:
    """A disk.Disk record, or None without a usable diskId."""
    if not isinstance(raw, Mapping):
        return None
    disk_id = usable_id(raw.get("diskId"))
    if disk_id is None:
        return None
    attachments = raw.get("attachments")
    instance_id = next((
        label(item.get("instanceId")) for item in (attachments if isinstance(attachments, list) else [])
        if isinstance(item, Mapping) and label(item.get("instanceId"))
    ), None)
    return VolumeRecord(
        provider=NAME,
        location=location,
        disk_id=disk_id,
        name=label(raw.get("name")) or disk_id,
        status=volume_status_of(label(raw.get("status"))),
        disk_type=label(raw.get("diskType")),
        category=None,  # describeDisks lists cloud disks only; JD has no further category
        size_gib=integer(raw.get("diskSizeGB")),
        status_raw=label(raw.get("status")),
        instance_id=instance_id,
        zone_id=label(raw.get("az")),
        encrypted=boolean(raw.get("encrypted")),
        snapshot_id=label(raw.get("snapshotId")),
        created_at=parse_time(raw.get("createTime")),
        tags=parse_tags(raw.get("tags")),
        raw=dict(raw),
    )


def parse_volume_page(result: Mapping[str, Any], location: str, request_id: str | None) -> VolumePage:
    items = result.get("disks")
    items = items if isinstance(items, list) else []
    records = [record for record in (parse_volume(item, location) for item in items) if record is not None]
    if len(records) != len(items):
        log.warning("jdcloud describeDisks [%s]: skipped %d record(s) without diskId requestId=%s",
                    location, len(items) - len(records), request_id)
    total = integer(result.get("totalCount"))
    return VolumePage(records, total if total is not None else len(items), request_id)
