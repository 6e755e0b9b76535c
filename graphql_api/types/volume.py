"""Volume: a disk volume of a zone or region (DescribeDisks / describeDisks). Unlike the disks an image
defines, a volume has a stable provider id, so it is a Relay node and a federation entity."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from providers import base
from resolvers import nodes

from .connection import PageInfo
from .disk import Tag
from .enums import CloudProvider, from_provider
from .inputs import TagFilter
from .provenance import Provenance

if TYPE_CHECKING:
    from graphql_api.context import Context


@strawberry.federation.type(
    keys=["id"],
    description="A disk volume in one location: Zenlayer DescribeDisks, JD Cloud describeDisks. `id` is a global "
    "Relay id encoding the provider, the location and the provider's disk id.",
)
class Volume(relay.Node, Provenance):
    node_id: relay.NodeID[str]
    provider: CloudProvider = strawberry.field(description="The cloud the volume belongs to.")
    location: str = strawberry.field(description="Zenlayer zone id or JD Cloud region id the volume was listed in.")
    disk_id: str = strawberry.field(description="The provider's disk id (Zenlayer numeric string, JD Cloud "
                                    "`vol-...`).")
    name: str | None = strawberry.field(description="Zenlayer `diskName`, JD Cloud `name`.")
    disk_type: str | None = strawberry.field(description="Zenlayer `diskType` (`SYSTEM` or `DATA`), JD Cloud "
                                             "`diskType` (`ssd.gp1`, `ssd.io1`, `hdd.std1`, `ssd`, `premium-hdd`).")
    category: str | None = strawberry.field(description="Zenlayer `diskCategory`, e.g. `Standard NVMe SSD`.")
    size_gib: int | None = strawberry.field(name="sizeGiB", description="Capacity in GiB (Zenlayer `diskSize`, "
                                            "JD Cloud `diskSizeGB`).")
    status: str | None = strawberry.field(description="The provider's status as received: Zenlayer e.g. "
                                          "`AVAILABLE`, `IN_USE`; JD Cloud e.g. `available`, `in-use`.")
    instance_id: str | None = strawberry.field(description="The instance the volume is attached to, if any.")
    zone_id: str | None = strawberry.field(description="Zenlayer `zoneId`, JD Cloud availability zone `az`.")
    encrypted: bool | None = strawberry.field(description="JD Cloud `encrypted`.")
    snapshot_id: str | None = strawberry.field(description="JD Cloud `snapshotId` the volume was created from.")
    created_at: datetime | None = strawberry.field(description="Creation time (`createTime`).")
    tags: list[Tag] = strawberry.field(description="Tags (Zenlayer wrapper object or JD Cloud list, normalized).")
    raw: JSON = strawberry.field(description="The provider's record exactly as received.")

    @classmethod
    def from_record(cls, record: base.VolumeRecord) -> Volume:
        return cls(
            node_id=nodes.node_id(record.provider, record.location, record.disk_id),
            provider=from_provider(record.provider),
            location=record.location,
            disk_id=record.disk_id,
            name=record.name,
            disk_type=record.disk_type,
            category=record.category,
            size_gib=record.size_gib,
            status=record.status_raw,
            instance_id=record.instance_id,
            zone_id=record.zone_id,
            encrypted=record.encrypted,
            snapshot_id=record.snapshot_id,
            created_at=record.created_at,
            tags=[Tag.from_record(t) for t in record.tags],
            raw=JSON(dict(record.raw)),
            record=record,
        )

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info[Context, None], id: strawberry.ID) -> Volume | None:
        record = await nodes.resolve_volume(info.context, str(id))
        return cls.from_record(record) if record else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: strawberry.Info[Context, None], node_ids: Iterable[str], required: bool = False
    ) -> list[Volume | None]:
        records = await nodes.load_by_node_ids(info.context, nodes.VOLUME_TYPENAME, list(node_ids))
        return [cls.from_record(r) if isinstance(r, base.VolumeRecord) else None for r in records]


@strawberry.type(description="A volume and its cursor.")
class VolumeEdge:
    cursor: str = strawberry.field(description="Opaque, versioned cursor, valid only with the same filter.")
    node: Volume = strawberry.field(description="The volume.")


@strawberry.type(
    description="A page of disk volumes across every provider and location the filter selects, ordered by "
    "provider (ZENLAYER, JDCLOUD), location id, then the provider's own order."
)
class VolumeConnection:
    edges: list[VolumeEdge] = strawberry.field(description="The volumes of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    total_count: int = strawberry.field(description="Number of volumes matching the filter in the locations "
                                        "that answered.")
    oldest_data_age_seconds: float | None = strawberry.field(
        description="Age in seconds of the oldest provider answer this page was built from."
    )

    @strawberry.field(description="The volumes of this page, without cursors (shortcut for `edges { node }`).")
    def nodes(self) -> list[Volume]:
        return [edge.node for edge in self.edges]


@strawberry.input(description="Which disk volumes to list. All given conditions must hold; providers evaluate "
                  "every one of them.")
class VolumeFilter:
    providers: list[CloudProvider] | None = strawberry.field(default=None, description="Only these clouds.")
    locations: list[str] | None = strawberry.field(default=None, description="Only these zone or region ids.")
    volume_ids: list[str] | None = strawberry.field(default=None, description="Only these provider disk ids.")
    name: str | None = strawberry.field(default=None, description="Fuzzy name match (Zenlayer `diskName`, JD "
                                        "Cloud `name` filter).")
    instance_id: str | None = strawberry.field(default=None, description="Volumes attached to this instance.")
    status: str | None = strawberry.field(default=None, description="The provider's raw status, e.g. Zenlayer "
                                          "`IN_USE`, JD Cloud `in-use`.")
    tags: list[TagFilter] | None = strawberry.field(default=None, description="Volumes carrying every one of "
                                                    "these key=value tags (at most 20).")
