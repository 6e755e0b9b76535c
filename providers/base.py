"""Normalized records and the interface every cloud package implements.

Providers return these plain dataclasses and nothing of GraphQL. Normalized enums always have an
`OTHER` member; the provider's raw value is kept beside each one so nothing is lost.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, order=True)
class ProviderName:
    """A provider's identity: its lower-case `value` (in global ids, cache keys, settings) and its upper-case
    `name` (the GraphQL enum member, error extensions). Each provider package defines its own; which ones
    exist is `providers.registry` (an unknown one is an error there, never a fallback to another)."""

    value: str

    @property
    def name(self) -> str:
        return self.value.upper()

    def __str__(self) -> str:
        return self.value


class OsType(enum.Enum):
    LINUX = "LINUX"
    WINDOWS = "WINDOWS"
    BSD = "BSD"
    ANDROID = "ANDROID"
    OTHER = "OTHER"


class ImageSource(enum.Enum):
    OFFICIAL = "OFFICIAL"
    MARKETPLACE = "MARKETPLACE"
    CUSTOM = "CUSTOM"
    SHARED = "SHARED"
    COMMUNITY = "COMMUNITY"
    OTHER = "OTHER"


class ImageStatus(enum.Enum):
    AVAILABLE = "AVAILABLE"
    CREATING = "CREATING"
    UNAVAILABLE = "UNAVAILABLE"
    DELETING = "DELETING"
    FAILED = "FAILED"
    OTHER = "OTHER"


class VolumeStatus(enum.Enum):
    AVAILABLE = "AVAILABLE"
    IN_USE = "IN_USE"
    CREATING = "CREATING"
    ATTACHING = "ATTACHING"
    DETACHING = "DETACHING"
    CHANGING = "CHANGING"
    DELETING = "DELETING"
    RECYCLED = "RECYCLED"
    FAILED = "FAILED"
    OTHER = "OTHER"


class Memo(dict[Any, Any]):
    """What the layers above derive from one provider answer (a record's GraphQL node, a page's
    pushdown verification), kept with the answer itself: in the process-memory cache, which keeps
    objects, it is built once and lives and dies with the cache entry, so it needs no bound of its own.
    Only values that depend on the answer alone belong here, never anything of one request. Pickled
    empty, so Redis never stores it (an answer read back from Redis derives it again); never part of a
    record's equality; not an init argument, so a `dataclasses.replace` copy starts with its own, and a
    changed record never reuses what was derived from the original."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type[Memo], tuple[()]]:
        return (Memo, ())


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Disk:
    """A disk as an image describes it: its system disk or one of its data disks (volumes are `VolumeRecord`)."""

    category: str | None = None
    device_name: str | None = None
    disk_type: str | None = None
    size_gib: int | None = None
    iops: int | None = None
    snapshot_id: str | None = None
    encrypted: bool | None = None
    auto_delete: bool | None = None


@dataclass(frozen=True, slots=True)
class ImageRecord:
    provider: ProviderName
    location: str
    image_id: str
    name: str
    os_type: OsType
    source: ImageSource
    status: ImageStatus
    raw: Mapping[str, Any]
    description: str | None = None
    os_type_raw: str | None = None
    platform: str | None = None
    os_version: str | None = None
    architecture: str | None = None
    source_raw: str | None = None
    status_raw: str | None = None
    # Sizes, one meaning each: the image file itself, the disk it describes, the smallest disk it boots on.
    file_size_gib: float | None = None
    disk_size_gib: float | None = None
    min_disk_size_gib: int | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    image_type: str | None = None
    owner_pin: str | None = None
    snapshot_id: str | None = None
    imported: bool | None = None
    instance_id: str | None = None
    nic_network_types: tuple[str, ...] = ()
    root_device_type: str | None = None
    launch_permission: str | None = None
    offline: bool | None = None
    boot_mode: str | None = None
    progress: int | None = None
    system_disk: Disk | None = None
    data_disks: tuple[Disk, ...] = ()
    tags: tuple[Tag, ...] = ()
    # When the provider answered (epoch seconds); kept with the record through the cache, so every
    # node can say how old it is. Not part of the record's identity.
    fetched_at: float = field(default_factory=time.time, compare=False, repr=False)
    memo: Memo = field(default_factory=Memo, init=False, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ImagePage:
    """One provider page: the records that parsed, the provider's total and its request id."""

    records: list[ImageRecord]
    total_count: int
    request_id: str | None = None
    skipped: int = 0  # records that could not be read at all (no id); logged, never fatal
    fetched_at: float = field(default_factory=time.time)  # when the provider answered (epoch seconds)
    memo: Memo = field(default_factory=Memo, init=False, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Location:
    """A Zenlayer zone or a JD Cloud region."""

    provider: ProviderName
    id: str
    name: str | None = None
    region_id: str | None = None
    city_name: str | None = None
    country_code: str | None = None


@dataclass(frozen=True, slots=True)
class VolumeRecord:
    """A disk volume from DescribeDisks / describeDisks. Like an image, it always has a name (its id when
    the provider sends none) and a normalized status beside the raw one."""

    provider: ProviderName
    location: str
    disk_id: str
    name: str
    status: VolumeStatus
    raw: Mapping[str, Any] = field(repr=False)
    status_raw: str | None = None
    disk_type: str | None = None
    category: str | None = None
    size_gib: int | None = None
    instance_id: str | None = None
    zone_id: str | None = None
    encrypted: bool | None = None
    snapshot_id: str | None = None
    created_at: datetime | None = None
    tags: tuple[Tag, ...] = ()
    fetched_at: float = field(default_factory=time.time, compare=False, repr=False)  # as ImageRecord's
    memo: Memo = field(default_factory=Memo, init=False, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class VolumePage:
    records: list[VolumeRecord]
    total_count: int
    request_id: str | None = None
    fetched_at: float = field(default_factory=time.time)  # when the provider answered (epoch seconds)
    memo: Memo = field(default_factory=Memo, init=False, compare=False, repr=False)


class ImageCatalog(Protocol):
    """What the resolvers need from one cloud account. Clients implement it directly.

    `params` are the provider's own request parameters (its names, its values) without paging;
    the resolvers build them from the GraphQL filter. Paging limits are declared so the planner can
    ask for the largest page each provider allows.
    """

    provider: ProviderName
    page_size_min: int
    page_size_max: int
    account_key: str  # stable, non-secret id of the account (for cache keys and metrics)

    async def list_locations(self) -> list[Location]: ...

    async def probe(self) -> str:
        """One cheap signed call that always reaches the provider (never a cache); what it proved."""
        ...

    async def list_images(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> ImagePage: ...

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]: ...

    async def list_volumes(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> VolumePage: ...
