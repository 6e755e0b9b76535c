"""JD Cloud vm/disk wire formats: query encoding, envelopes -> error tree, tolerant record readers.

Shared by the client and the emulator (which only reuses the query codec and the vocabularies).
Facts come from JD Cloud's public vm and disk API docs and its Python SDK.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, unquote_plus

from ..base import (
    Disk,
    ImagePage,
    ImageRecord,
    ImageSource,
    ImageStatus,
    OsType,
    ProviderName,
    Tag,
    VolumePage,
    VolumeRecord,
)
from ..errors import (
    AuthFailedError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from ..http import HttpResponse, header_value, parse_retry_after
from ..readers import boolean, integer, label, number, usable_id

log = logging.getLogger("providers.jdcloud")

NAME = ProviderName("jdcloud")
PROVIDER = NAME.value
PAGE_SIZE_MIN = 10  # describeImages and describeDisks both take pageSize in [10, 100]
PAGE_SIZE_MAX = 100
REQUEST_ID_HEADER = "x-jdcloud-request-id"

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


def image_status_of(raw: str | None) -> ImageStatus:
    value = (raw or "").strip().lower()
    if value.startswith("error"):
        return ImageStatus.FAILED  # error, error_create, error_copy, ...
    return _STATUSES.get(value, ImageStatus.OTHER)


def os_type_of(raw: str | None) -> OsType:
    return _OS_TYPES.get((raw or "").strip().lower(), OsType.OTHER)


# --- query encoding ---------------------------------------------------------------------------------


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # the Go SDK's spelling; the Python SDK sends True/False
    return str(value)


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """The SDK's query layout: `k=v`, `ids.1=a`, `filters.1.values.2=b` (1-based; None skipped)."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            pairs.extend(flatten_params(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value, start=1):
                if isinstance(item, Mapping):
                    pairs.extend(flatten_params(item, f"{name}.{index}."))
                elif item is not None:
                    pairs.append((f"{name}.{index}", _scalar(item)))
        else:
            pairs.append((name, _scalar(value)))
    return pairs


def encode_query(params: Mapping[str, Any]) -> str:
    """The query string. Unlike the Python SDK, every key and value is percent-encoded (only unreserved
    characters stay bare), so `&`, `=`, `+`, spaces or UTF-8 inside a value never split a parameter."""
    return "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in flatten_params(params))


def encode_path_segment(value: str) -> str:
    """A region or resource id inside a path: `/`, `?` or `*` in an id cannot change the route."""
    return quote(value, safe="~")


def decode_query(raw_query: str) -> list[tuple[str, str]]:
    """Pairs as sent (`+` is a space: the Go SDK encodes spaces so), in order; bare keys are dropped."""
    pairs: list[tuple[str, str]] = []
    for item in raw_query.split("&"):
        key, sep, value = item.partition("=")
        if sep and key:
            pairs.append((unquote_plus(key), unquote_plus(value)))
    return pairs


def unflatten_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The inverse of `flatten_params`: `filters.1.values.2=b` -> {"filters": [{"values": [.., "b"]}]}.

    Numbered parts become lists in index order (gaps closed); values stay strings. A key that is both
    a scalar and a container keeps the first meaning seen.
    """
    tree: dict[str, Any] = {}
    for key, value in pairs:
        parts = key.split(".")
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(parts[-1], value)
    return {key: _lists(value) for key, value in tree.items()}


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


# --- envelopes and errors ---------------------------------------------------------------------------


def _request_id(document: Mapping[str, Any] | None, response: HttpResponse) -> str | None:
    body_id = document.get("requestId") if document else None
    if isinstance(body_id, str) and body_id:
        return body_id
    return header_value(response.headers, REQUEST_ID_HEADER) or None


def error_from(response: HttpResponse, document: Mapping[str, Any] | None, *, action: str) -> ProviderError:
    """The error for a failed call. The integer code (or HTTP status) decides the class, because the
    status strings differ between sources (providers.md section 3.11)."""
    error = document.get("error") if document else None
    error = error if isinstance(error, Mapping) else {}
    code_value = error.get("code")
    number = response.status
    if response.status < 400 and isinstance(code_value, (int, str)) and str(code_value).isdigit():
        number = int(code_value)  # an error envelope on a 2xx answer: trust its code
    status_string = error.get("status")
    kwargs: dict[str, Any] = {
        "provider": PROVIDER, "action": action, "status": response.status,
        "code": status_string if isinstance(status_string, str) and status_string else None,
        "message": str(error.get("message") or ""), "request_id": _request_id(document, response),
    }
    if number == 404:
        return NotFoundError(**kwargs)
    if number in (401, 403):
        return AuthFailedError(**kwargs)
    if number == 429:
        return ThrottledError(retry_after=parse_retry_after(header_value(response.headers, "Retry-After")), **kwargs)
    if number >= 500 or number == 499 or number < 400:
        return UnavailableError(**kwargs)
    return BadRequestError(**kwargs)


def parse_envelope(response: HttpResponse, *, action: str) -> tuple[Mapping[str, Any], str | None]:
    """(result, request id) of a successful call, or raise the mapped ProviderError."""
    try:
        document = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict):
        # Not JD's answer (a gateway's HTML page, a cut body): only a 429 still says something usable.
        if response.status == 429:
            raise error_from(response, None, action=action)
        raise UnavailableError(
            provider=PROVIDER, action=action, status=response.status, code="MALFORMED_RESPONSE",
            message="the answer is not a JSON object", request_id=_request_id(None, response),
        )
    if response.status >= 400 or isinstance(document.get("error"), Mapping):
        raise error_from(response, document, action=action)
    result = document.get("result")
    if not isinstance(result, dict):
        raise UnavailableError(
            provider=PROVIDER, action=action, status=response.status, code="MALFORMED_RESPONSE",
            message="the answer has neither result nor error", request_id=_request_id(document, response),
        )
    return result, _request_id(document, response)


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
        size_gib=None if size_mb is None else size_mb / 1024,
        min_disk_size_gib=integer(raw.get("systemDiskSizeGB")),
        created_at=parse_time(raw.get("createTime")),
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


def parse_single_image(result: Mapping[str, Any], location: str, *, action: str,
                       request_id: str | None) -> ImageRecord:
    record = parse_image(result.get("image"), location)
    if record is None:
        raise UnavailableError(provider=PROVIDER, action=action, code="MALFORMED_RESPONSE",
                               message="the image has no imageId", request_id=request_id, location=location)
    return record


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
        name=label(raw.get("name")),
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


def parse_single_volume(result: Mapping[str, Any], location: str, *, action: str,
                        request_id: str | None) -> VolumeRecord:
    record = parse_volume(result.get("disk"), location)
    if record is None:
        raise UnavailableError(provider=PROVIDER, action=action, code="MALFORMED_RESPONSE",
                               message="the disk has no diskId", request_id=request_id, location=location)
    return record


def chunks(values: Sequence[str], size: int) -> list[list[str]]:
    return [list(values[start:start + size]) for start in range(0, len(values), size)]
