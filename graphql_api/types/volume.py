"""Volume: a disk volume of a zone or region (DescribeDisks / describeDisks). Unlike the disks an image
defines, a volume has a stable provider id, so it is a Relay node and a federation entity."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from providers import base
from resolvers.kinds import VOLUMES

from .connection import Connection, connection_types
from .disk import Tag
from .enums import CloudProvider, VolumeStatus, from_provider
from .node import KindNode, described_id
from .provenance import Provenance


@described_id("volumeId")
@strawberry.federation.type(
    keys=["id"],
    description="A disk volume in one location: Zenlayer DescribeDisks, JD Cloud describeDisks. `id` is a global "
    "Relay id encoding the provider, the location and the provider's disk id. Fields that mean the same as on "
    "`Image` (`id`, `provider`, `location`, `name`, `sizeGiB`, `status`/`statusRaw`, `createdAt`, `tags`, `raw`) "
    "have the same name, type and nullability, so one selection can ask both types for them.",
)
class Volume(KindNode, Provenance):
    kind = VOLUMES
    node_id: relay.NodeID[str]
    _id: strawberry.ID = strawberry.field(name="id")  # relay.Node's `id`, encoded once: `KindNode.relay_id`
    provider: CloudProvider = strawberry.field(description="The cloud the volume belongs to.")
    location: str = strawberry.field(description="Zenlayer zone id or JD Cloud region id the volume was listed in.")
    volume_id: str = strawberry.field(description="The provider's own disk id (Zenlayer `diskId`, a numeric string; "
                                      "JD Cloud `diskId`, `vol-...`). `VolumeFilter.volumeIds` takes these.")
    disk_id: str = strawberry.field(description="The provider's own disk id; the same as `volumeId`.",
                                    deprecation_reason="Use `volumeId`, named like `VolumeFilter.volumeIds`.")
    name: str = strawberry.field(description="Volume name (Zenlayer `diskName`, JD Cloud `name`); the volume id "
                                 "when the provider sends none. Same field as `Image.name`.")
    disk_type: str | None = strawberry.field(description="Zenlayer `diskType` (`SYSTEM` or `DATA`), JD Cloud "
                                             "`diskType` (`ssd.gp1`, `ssd.io1`, `hdd.std1`, `ssd`, `premium-hdd`).")
    category: str | None = strawberry.field(description="Zenlayer `diskCategory`, e.g. `Standard NVMe SSD`.")
    size_gib: float | None = strawberry.field(name="sizeGiB", description="Capacity in GiB (Zenlayer `diskSize`, "
                                              "JD Cloud `diskSizeGB`; whole numbers in both APIs). A Float like "
                                              "`Image.sizeGiB`.")
    status: VolumeStatus = strawberry.field(description="Lifecycle state, normalized. The provider's own value is "
                                            "in `statusRaw`.")
    status_raw: str | None = strawberry.field(description="Zenlayer `diskStatus` (e.g. `AVAILABLE`, `IN_USE`) or "
                                              "JD Cloud `status` (e.g. `available`, `in-use`) as received.")
    instance_id: str | None = strawberry.field(description="The instance the volume is attached to, if any.")
    zone_id: str | None = strawberry.field(description="Zenlayer `zoneId`, JD Cloud availability zone `az`.")
    encrypted: bool | None = strawberry.field(description="JD Cloud `encrypted`.")
    snapshot_id: str | None = strawberry.field(description="JD Cloud `snapshotId` the volume was created from.")
    created_at: datetime | None = strawberry.field(description="When the volume was created: ISO 8601 with its UTC "
                                                   "offset (Zenlayer `createTime`, UTC; JD Cloud `createTime`, "
                                                   "which has no offset, read as China time, `+08:00`).")
    tags: list[Tag] = strawberry.field(description="Tags (Zenlayer wrapper object or JD Cloud list, normalized).")
    raw: JSON = strawberry.field(description="The provider's record exactly as received.")

    @classmethod
    def from_record(cls, record: base.VolumeRecord) -> Volume:
        node_id = cls.global_node_id(record)
        return cls(
            node_id=node_id,
            _id=cls.relay_id(node_id),
            provider=from_provider(record.provider),
            location=record.location,
            volume_id=record.disk_id,
            disk_id=record.disk_id,
            name=record.name,
            disk_type=record.disk_type,
            category=record.category,
            size_gib=float(record.size_gib) if record.size_gib is not None else None,
            status=VolumeStatus[record.status.name],
            status_raw=record.status_raw,
            instance_id=record.instance_id,
            zone_id=record.zone_id,
            encrypted=record.encrypted,
            snapshot_id=record.snapshot_id,
            created_at=record.created_at,
            tags=[Tag.from_record(t) for t in record.tags],
            raw=JSON(dict(record.raw)),
            record=record,
        )


if TYPE_CHECKING:
    VolumeConnection = Connection[Volume]
else:
    VolumeEdge, VolumeConnection = connection_types(
        Volume, singular="a volume", plural="volumes",
        order="the provider's own order",
    )
