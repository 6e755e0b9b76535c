"""Disk and Tag: value types an image carries."""

from __future__ import annotations

import strawberry

from providers import base


@strawberry.type(description="A disk as an image defines it: the system disk or one of its data disks.")
class Disk:
    category: str | None = strawberry.field(
        description="Disk category. JD Cloud `diskCategory`: `local` (local system disk) or `cloud` (cloud disk)."
    )
    device_name: str | None = strawberry.field(
        description="Logical mount point. JD Cloud: `vda` for the system disk, `vdb`...`vdbm` for data disks."
    )
    disk_type: str | None = strawberry.field(
        description="Disk type, as the provider names it. JD Cloud: `ssd.gp1`, `ssd.io1`, `hdd.std1`, `ssd`, "
        "`premium-hdd`."
    )
    size_gib: int | None = strawberry.field(name="sizeGiB", description="Capacity in GiB (JD Cloud `diskSizeGB`).")
    iops: int | None = strawberry.field(description="Provisioned IOPS of a cloud disk, where the provider reports it.")
    snapshot_id: str | None = strawberry.field(description="Snapshot the disk is created from.")
    encrypted: bool | None = strawberry.field(description="Whether the disk the snapshot was made from is encrypted.")
    auto_delete: bool | None = strawberry.field(
        description="Whether the disk is deleted together with an instance created from the image."
    )

    @classmethod
    def from_record(cls, disk: base.Disk) -> Disk:
        return cls(
            category=disk.category, device_name=disk.device_name, disk_type=disk.disk_type, size_gib=disk.size_gib,
            iops=disk.iops, snapshot_id=disk.snapshot_id, encrypted=disk.encrypted, auto_delete=disk.auto_delete,
        )


@strawberry.type(description="A resource tag. Zenlayer images carry tags; JD Cloud images have none.")
class Tag:
    key: str = strawberry.field(description="Tag key.")
    value: str | None = strawberry.field(description="Tag value; null when the tag has a key only.")

    @classmethod
    def from_record(cls, tag: base.Tag) -> Tag:
        return cls(key=tag.key, value=tag.value)
