"""The JD demo catalog: deterministic, the seed records verbatim, and the shapes other tests rely on."""

from __future__ import annotations

from collections import Counter

from providers.jdcloud.catalog import build_catalog, default_catalog
from providers.jdcloud.config import DEFAULT_REGIONS
from providers.jdcloud.records import JD_IMAGE_SOURCES, parse_image, parse_volume

CATALOG = default_catalog()
NORTH = CATALOG.images_by_region["cn-north-1"]


def test_deterministic_and_unique() -> None:
    assert build_catalog() == build_catalog()
    for region in CATALOG.regions_with_images:
        image_ids = [r["imageId"] for r in CATALOG.images_by_region[region]]
        disk_ids = [d["diskId"] for d in CATALOG.disks_by_region[region]]
        assert len(set(image_ids)) == len(image_ids) and len(set(disk_ids)) == len(disk_ids)
        assert {r["imageSource"] for r in CATALOG.images_by_region[region]} == set(JD_IMAGE_SOURCES)


def test_sizes() -> None:
    assert CATALOG.regions_with_images == ("cn-north-1", "cn-east-2", "cn-south-1")
    # Every region of the service's default JDCLOUD_REGIONS is known; the one without demo data is empty.
    assert set(CATALOG.regions) == set(DEFAULT_REGIONS)
    assert CATALOG.images_by_region["cn-east-1"] == () and CATALOG.disks_by_region["cn-east-1"] == ()
    north = Counter(r["imageSource"] for r in NORTH)
    assert north["public"] >= 260  # `first: 250` on public costs three pages of 100
    assert north == {"public": 270, "thirdparty": 30, "private": 25, "shared": 10, "community": 15}
    assert len(CATALOG.images_by_region["cn-east-2"]) == 160


def test_the_seed_records_are_verbatim() -> None:
    first, second = NORTH[0], NORTH[1]
    assert (first["imageId"], first["name"], first["createTime"], first["sizeMB"]) == (
        "img-m5s0****29", "CentOS 8.2 64位", "2021-01-28 16:49:05", 2494)
    assert (second["imageId"], second["name"], second["sizeMB"], second["uefiSupport"]) == (
        "img-m5s0****30", "CentOS 7.6 64位", 0, True)
    assert "progress" not in second and first["progress"] == "100"
    assert first["systemDisk"]["cloudDisk"] == {"diskSizeGB": 40, "diskType": "ssd.gp1", "encrypt": False,
                                                "encrypted": False, "snapshotId": "snapshot-h8u1****36"}


def test_the_shapes_readers_must_survive_are_present() -> None:
    images = [r for region in CATALOG.regions for r in CATALOG.images_by_region[region]]
    assert {r["platform"] for r in images} == {"Ubuntu", "CentOS", "Windows Server", "Other Linux", "Other Windows"}
    assert {r["architecture"] for r in images} == {"x86_64", "arm64"}
    assert {r["rootDeviceType"] for r in images} == {"localDisk", "cloudDisk"}
    assert {r["osType"] for r in images} >= {"linux", "windows", "Linux", "Windows"}
    assert {"creating", "error", "copying", "error_create"} <= {r["status"] for r in images}
    assert any(r.get("offline") is True and r["imageSource"] == "public" for r in NORTH)
    assert any("uefiSupport" in r and "bootMode" not in r for r in images)
    assert any("bootMode" in r and "uefiSupport" not in r for r in images)
    assert any(isinstance(r["sizeMB"], str) for r in images) and any(
        isinstance(r["systemDiskSizeGB"], str) for r in images)
    assert any(r.get("dataDisks") for r in images)  # the seed records have none
    assert {r["launchPermission"] for r in NORTH if r["imageSource"] == "private"} == {"ownerOnly", "specifiedUsers"}
    names = {r["name"] for r in NORTH}
    assert "测试 镜像 a&b=c" in names
    assert all(parse_image(r, "x") is not None for r in images)


def test_disks_have_zones_tags_and_attachments() -> None:
    disks = [d for region in CATALOG.regions for d in CATALOG.disks_by_region[region]]
    assert all(isinstance(d["tags"], list) for d in disks) and any(d["tags"] for d in disks)
    assert any(d["attachments"] for d in disks) and len({d["az"] for d in disks}) >= 6
    assert all(parse_volume(d, "x") is not None for d in disks)
