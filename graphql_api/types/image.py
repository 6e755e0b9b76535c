"""Image: a Relay node and an Apollo Federation entity keyed by its global `id`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from providers import base
from providers.osid import identity_of
from providers.owner import owner_of
from resolvers.choosing import TRUSTED_SOURCES
from resolvers.kinds import IMAGES

from .connection import Connection, connection_types
from .disk import Disk, Tag
from .enums import CloudProvider, ImageSource, ImageStatus, OsType, from_provider
from .node import KindNode, described_id
from .os import OsIdentity
from .provenance import Provenance


@described_id("imageId")
@strawberry.federation.type(
    keys=["id"],
    description="A VM image of one provider in one location. `id` is a global Relay id that encodes the "
    "provider, the location and the provider's image id; other subgraphs reference images by it.",
)
class Image(KindNode, Provenance):
    kind = IMAGES
    node_id: relay.NodeID[str]
    _id: strawberry.ID = strawberry.field(name="id")  # relay.Node's `id`, encoded once: `KindNode.relay_id`
    provider: CloudProvider = strawberry.field(description="The cloud the image belongs to.")
    location: str = strawberry.field(description="Zenlayer zone id (e.g. `asia-east-1a`) or JD Cloud region id "
                                     "(e.g. `cn-north-1`).")
    image_id: str = strawberry.field(description="The provider's own image id (Zenlayer `imageId`, JD Cloud "
                                     "`imageId`).")
    name: str = strawberry.field(description="Image name (Zenlayer `imageName`, JD Cloud `name`); the image id when "
                                 "the provider sends none. Same field as `Volume.name`.")
    description: str | None = strawberry.field(description="Zenlayer `imageDescription`, JD Cloud `desc`.")
    os_type: OsType = strawberry.field(description="Operating system family, normalized.")
    os_type_raw: str | None = strawberry.field(description="The provider's `osType` as received.")
    platform: str | None = strawberry.field(description="OS distribution: Zenlayer `category` (e.g. `Ubuntu`, "
                                            "`CentOS`, `Windows`), JD Cloud `platform` (e.g. `CentOS`, `Windows "
                                            "Server`, `Other Linux`).")
    os_version: str | None = strawberry.field(description="Zenlayer `imageVersion` (e.g. `Server 24.04 LTS`), JD "
                                              "Cloud `osVersion` (e.g. `8.2`).")
    architecture: str | None = strawberry.field(description="CPU architecture, JD Cloud only: `x86_64`, `arm64` "
                                                "(older images `i386`). Zenlayer does not report it.")
    source: ImageSource = strawberry.field(description="Who publishes the image, normalized.")
    source_raw: str | None = strawberry.field(description="Zenlayer `imageSource` or JD Cloud `imageSource` as "
                                              "received.")
    status: ImageStatus = strawberry.field(description="Lifecycle state, normalized.")
    status_raw: str | None = strawberry.field(description="Zenlayer `imageStatus` or JD Cloud `status` as "
                                              "received.")
    size_gib: float | None = strawberry.field(
        name="sizeGiB", deprecation_reason="It meant the file size for JD Cloud and the disk size for Zenlayer: use "
        "`fileSizeGiB` or `diskSizeGiB`.",
        description="JD Cloud `sizeMB` / 1024, Zenlayer `imageSize` (GiB): two different sizes in one field.",
    )
    file_size_gib: float | None = strawberry.field(
        name="fileSizeGiB", description="Size of the image file itself, in GiB: JD Cloud `sizeMB` (the file's actual "
        "size, MiB) / 1024; JD Cloud reports 0 when it does not know it. Null for Zenlayer, which does not report it."
    )
    disk_size_gib: float | None = strawberry.field(
        name="diskSizeGiB", description="Nominal size of the disk the image holds, in GiB: Zenlayer `imageSize`, JD "
        "Cloud `systemDiskSizeGB` (its system disk)."
    )
    min_disk_size_gib: int | None = strawberry.field(
        name="minDiskSizeGiB", description="Smallest system disk an instance of the image takes, in GiB: Zenlayer "
        "`minDiskSize` (often not reported), JD Cloud `systemDiskSizeGB`."
    )
    created_at: datetime | None = strawberry.field(description="When the image was created: ISO 8601 with its "
                                                   "UTC offset (JD Cloud `createTime`, which has no offset, read as "
                                                   "China time, `+08:00`). Zenlayer does not report it: null.")
    expires_at: datetime | None = strawberry.field(description="JD Cloud `expiredTime`, read as China time "
                                                   "(`+08:00`) like `createdAt`; null when empty (the image does not "
                                                   "expire) or not reported. Zenlayer does not report it.")
    image_type: str | None = strawberry.field(description="Zenlayer `imageType`: `PUBLIC_IMAGE` or `CUSTOM_IMAGE`. "
                                              "Null for JD Cloud.")
    owner_pin: str | None = strawberry.field(description="JD Cloud `ownerPin`: the PIN of the account owning the "
                                             "image (e.g. `admin` for official images). Null for Zenlayer.")
    snapshot_id: str | None = strawberry.field(description="JD Cloud `snapshotId`: the snapshot a cloud-disk system "
                                               "disk is created from; null for local-disk images and Zenlayer.")
    imported: bool | None = strawberry.field(description="JD Cloud `imported`: true for an image imported from an "
                                             "image file. Null for Zenlayer.")
    instance_id: str | None = strawberry.field(description="JD Cloud `instanceId`: the instance a private image was "
                                               "made from (what `jdcloud.instanceIds` matches). Null for Zenlayer.")
    nic_network_types: list[str] = strawberry.field(description="Zenlayer `nicNetworkType`: NIC modes the image "
                                                    "supports, as sent, e.g. `FailOver` and `VirtioOnly` (the API "
                                                    "documentation's example; its SDKs also name `auto`, `virtio`, "
                                                    "`vf` and `vf,virtio`). Empty for JD Cloud.")
    root_device_type: str | None = strawberry.field(description="JD Cloud `rootDeviceType`: `localDisk` or "
                                                    "`cloudDisk`.")
    launch_permission: str | None = strawberry.field(description="JD Cloud `launchPermission`: `all`, "
                                                     "`specifiedUsers` or `ownerOnly`.")
    offline: bool | None = strawberry.field(description="JD Cloud `offline`: true when an official or marketplace "
                                            "image has been taken offline.")
    boot_mode: str | None = strawberry.field(description="JD Cloud boot mode: `bios` or `uefi` (from `bootMode`, "
                                             "or `uefiSupport`).")
    progress: int | None = strawberry.field(description="JD Cloud `progress`: percent done while an image is copied "
                                            "or converted.")
    system_disk: Disk | None = strawberry.field(description="JD Cloud system disk definition.")
    data_disks: list[Disk] = strawberry.field(description="JD Cloud data disk definitions.")
    tags: list[Tag] = strawberry.field(description="Zenlayer tags (any shape the API sends, normalized to a list). "
                                       "JD Cloud images have no tags.")
    raw: JSON = strawberry.field(description="The provider's record exactly as received, for fields not modelled "
                                 "here.")
    os: OsIdentity = strawberry.field(description="The operating system, one identity across providers (family, "
                                      "normalized version, edition), read from `platform`, `osVersion` and `name`.")
    owner: str | None = strawberry.field(description="The account that published the image, where the provider "
                                         "says: JD Cloud `ownerPin` (`admin` for official images). Zenlayer reports "
                                         "no owner; `source` says who publishes on both.")
    trusted: bool = strawberry.field(description="True for the provider's official images and the account's own "
                                     "(`source` OFFICIAL or CUSTOM): the only ones a `distinctOn` listing considers "
                                     "unless its filter names sources (others' images can carry any name).")

    @classmethod
    def from_record(cls, record: base.ImageRecord) -> Image:
        node_id = cls.global_node_id(record)
        return cls(
            node_id=node_id,
            _id=cls.relay_id(node_id),
            provider=from_provider(record.provider),
            location=record.location,
            image_id=record.image_id,
            name=record.name,
            description=record.description,
            os_type=OsType[record.os_type.name],
            os_type_raw=record.os_type_raw,
            platform=record.platform,
            os_version=record.os_version,
            architecture=record.architecture,
            source=ImageSource[record.source.name],
            source_raw=record.source_raw,
            status=ImageStatus[record.status.name],
            status_raw=record.status_raw,
            size_gib=record.file_size_gib if record.file_size_gib is not None else record.disk_size_gib,
            file_size_gib=record.file_size_gib,
            disk_size_gib=record.disk_size_gib,
            min_disk_size_gib=record.min_disk_size_gib,
            created_at=record.created_at,
            expires_at=record.expires_at,
            image_type=record.image_type,
            owner_pin=record.owner_pin,
            snapshot_id=record.snapshot_id,
            imported=record.imported,
            instance_id=record.instance_id,
            nic_network_types=list(record.nic_network_types),
            root_device_type=record.root_device_type,
            launch_permission=record.launch_permission,
            offline=record.offline,
            boot_mode=record.boot_mode,
            progress=record.progress,
            system_disk=Disk.from_record(record.system_disk) if record.system_disk else None,
            data_disks=[Disk.from_record(d) for d in record.data_disks],
            tags=[Tag.from_record(t) for t in record.tags],
            raw=JSON(dict(record.raw)),
            os=OsIdentity.from_identity(identity_of(record)),
            owner=owner_of(record),
            trusted=record.source in TRUSTED_SOURCES,
            record=record,
        )


if TYPE_CHECKING:
    ImageConnection = Connection[Image]
else:
    ImageEdge, ImageConnection = connection_types(
        Image, singular="an image", plural="images",
        order="(JD Cloud) image source in the order public, thirdparty, private, shared, community, then the "
        "provider's own order; `orderBy` sorts by its fields first and keeps this order for ties",
    )
