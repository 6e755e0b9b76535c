"""The demo catalog has the shape the brief promises, and is the same on every build."""

from __future__ import annotations

from collections import Counter

from providers.zenlayer.catalog import SEED_IMAGES, build_catalog, default_catalog


def test_deterministic() -> None:
    assert build_catalog() == build_catalog()


def test_zone_sizes_and_unique_ids() -> None:
    catalog = default_catalog()
    assert len(catalog.zones) >= 4 and "asia-east-1a" in catalog.zone_ids
    sizes = [len(catalog.images_by_zone[z]) for z in catalog.zone_ids]
    assert all(40 <= size <= 70 for size in sizes) and len(set(sizes)) == len(sizes)
    for zone in catalog.zone_ids:
        ids = [r["imageId"] for r in catalog.images_by_zone[zone]]
        assert len(ids) == len(set(ids))
        assert catalog.disks_by_zone[zone]
    assert all("supportSecurityGroup" not in z for z in catalog.zones)  # deprecated: the SDK warns on it


def test_seed_images_first_in_asia_east() -> None:
    assert list(default_catalog().images_by_zone["asia-east-1a"][:3]) == list(SEED_IMAGES)


def test_every_odd_shape_is_present() -> None:
    records = [r for zone in default_catalog().images_by_zone.values() for r in zone]
    assert {r["osType"] for r in records} >= {"linux", "windows", "Windows", "bsd", "android", "any"}
    assert {r["category"] for r in records} >= {"Ubuntu", "CentOS", "Debian", "Rocky", "AlmaLinux", "Fedora",
                                                 "Alpine", "Windows", "FreeBSD"}
    assert {r["imageType"] for r in records} == {"PUBLIC_IMAGE", "CUSTOM_IMAGE"}
    assert {r["imageSource"] for r in records} == {"OFFICIAL", "MARKETING", "CUSTOM"}
    assert "SYNCING" in {r["imageStatus"] for r in records}
    shapes = Counter(
        "absent" if "tags" not in r else repr(r["tags"]) if not (r["tags"] or {}).get("tags") else "list"
        for r in records
    )
    assert set(shapes) == {"absent", "None", "{}", "{'tags': None}", "list"}
    assert {type(r["imageSize"]) for r in records} == {str, int}
    assert any("minDiskSize" not in r for r in records) and any("minDiskSize" in r for r in records)
    assert any(r["imageName"] == "测试 镜像 a&b=c" for r in records)
    keys = {t["key"] for r in records for t in ((r.get("tags") or {}).get("tags") or [])}
    assert keys >= {"env", "team", "os"}
