"""providers.osid: every platform/version/name spelling of both demo catalogs and the seed documents'
examples maps to the family and version written here by hand; unknown spellings give OTHER, raw kept."""

from __future__ import annotations

import pytest

from providers.jdcloud.catalog import default_catalog as jdcloud_catalog
from providers.osid import OsCondition, OsFamily, parse_os, parse_version
from providers.zenlayer.catalog import SEED_IMAGES
from providers.zenlayer.catalog import default_catalog as zenlayer_catalog

F = OsFamily
# (platform, version) as the catalogs spell them -> (family, version, edition when the version says one)
BY_PLATFORM_AND_VERSION: dict[tuple[str, str], tuple[OsFamily, str | None, str | None]] = {
    # Zenlayer category / imageVersion
    ("Ubuntu", "Server 24.04 LTS"): (F.UBUNTU, "24.04", "LTS"),
    ("Ubuntu", "Server 22.04 LTS"): (F.UBUNTU, "22.04", "LTS"),
    ("Ubuntu", "Server 20.04 LTS"): (F.UBUNTU, "20.04", "LTS"),
    ("Ubuntu", "Server 18.04 LTS"): (F.UBUNTU, "18.04", "LTS"),
    ("Ubuntu", "22.04"): (F.UBUNTU, "22.04", None),
    ("CentOS", "7.9"): (F.CENTOS, "7.9", None),
    ("CentOS", "Stream 8"): (F.CENTOS_STREAM, "8", None),
    ("CentOS", "Stream 9"): (F.CENTOS_STREAM, "9", None),
    ("Debian", "12"): (F.DEBIAN, "12", None),
    ("Debian", "11"): (F.DEBIAN, "11", None),
    ("Debian", "10"): (F.DEBIAN, "10", None),
    ("Rocky", "9.4"): (F.ROCKY, "9.4", None),
    ("Rocky", "8.10"): (F.ROCKY, "8.10", None),
    ("AlmaLinux", "9.4"): (F.ALMA, "9.4", None),
    ("AlmaLinux", "8.10"): (F.ALMA, "8.10", None),
    ("AlmaLinux", "8"): (F.ALMA, "8", None),
    ("Fedora", "40"): (F.FEDORA, "40", None),
    ("Fedora", "39"): (F.FEDORA, "39", None),
    ("Alpine", "3.20"): (F.ALPINE, "3.20", None),
    ("Alpine", "3.19"): (F.ALPINE, "3.19", None),
    ("ArchLinux", "rolling"): (F.ARCH, None, "Rolling"),
    ("openSUSE", "Leap 15.5"): (F.OPENSUSE, "15.5", "Leap"),
    ("Gentoo", "rolling"): (F.GENTOO, None, "Rolling"),
    ("Windows", "2022 Datacenter"): (F.WINDOWS_SERVER, "2022", "Datacenter"),
    ("Windows", "2022 Standard"): (F.WINDOWS_SERVER, "2022", "Standard"),
    ("Windows", "2019 Datacenter"): (F.WINDOWS_SERVER, "2019", "Datacenter"),
    ("Windows", "2016 Datacenter"): (F.WINDOWS_SERVER, "2016", "Datacenter"),
    ("Windows", "2022"): (F.WINDOWS_SERVER, "2022", None),
    ("FreeBSD", "14.1"): (F.FREEBSD, "14.1", None),
    ("FreeBSD", "13.4"): (F.FREEBSD, "13.4", None),
    ("Generic", "1.0"): (F.OTHER, "1.0", None),
    # JD Cloud platform / osVersion
    ("CentOS", "7.6"): (F.CENTOS, "7.6", None),
    ("CentOS", "8.2"): (F.CENTOS, "8.2", None),
    ("Ubuntu", "18.04"): (F.UBUNTU, "18.04", None),
    ("Ubuntu", "20.04"): (F.UBUNTU, "20.04", None),
    ("Ubuntu", "24.04"): (F.UBUNTU, "24.04", None),
    ("Windows Server", "2012 R2"): (F.WINDOWS_SERVER, "2012 R2", None),
    ("Windows Server", "2016"): (F.WINDOWS_SERVER, "2016", None),
    ("Windows Server", "2019"): (F.WINDOWS_SERVER, "2019", None),
    ("Windows Server", "2022"): (F.WINDOWS_SERVER, "2022", None),
    ("Other Linux", "Debian 12"): (F.DEBIAN, "12", None),
    ("Other Linux", "Rocky 9.2"): (F.ROCKY, "9.2", None),
    ("Other Linux", "openEuler 22.03"): (F.OPENEULER, "22.03", None),
    ("Other Windows", "Windows 10"): (F.WINDOWS, "10", None),
}
# Zenlayer `OTHERS` is a category of no distribution: the name decides (the cloud phone image), and
# custom images named freely (`others-app-05`) stay OTHER.
BY_NAME = {"Android 12 Cloud Phone": (F.ANDROID, "12", None)}
OTHERS_DEFAULT = (F.OTHER, "12", None)


def spellings() -> set[tuple[str | None, str | None, str | None]]:
    found: set[tuple[str | None, str | None, str | None]] = set()
    for records in zenlayer_catalog().images_by_zone.values():
        found |= {(r.get("category"), r.get("imageVersion"), r.get("imageName")) for r in records}
    for records in jdcloud_catalog().images_by_region.values():
        found |= {(r.get("platform"), r.get("osVersion"), r.get("name")) for r in records}
    return found


def expected(platform: str | None, version: str | None, name: str | None) -> tuple[OsFamily, str | None, str | None]:
    if name in BY_NAME:
        return BY_NAME[name]
    if platform == "OTHERS":
        return OTHERS_DEFAULT
    return BY_PLATFORM_AND_VERSION[(platform or "", version or "")]


def test_every_catalog_spelling_maps_to_its_family_and_version() -> None:
    found = spellings()
    assert len(found) > 250
    pairs = {(p, v) for p, v, _ in found if p != "OTHERS"}
    assert pairs == set(BY_PLATFORM_AND_VERSION), "a catalog spelling has no expected identity here (or vice versa)"
    wrong = []
    for platform, version, name in sorted(found, key=str):
        identity = parse_os(platform, version, name)
        got = (identity.family, identity.version, identity.edition)
        want = expected(platform, version, name)
        if got[:2] != want[:2] or (want[2] is not None and got[2] != want[2]):
            wrong.append(((platform, version, name), got, want))
        assert (identity.raw_platform, identity.raw_version, identity.raw_name) == (platform, version, name)
    assert wrong == []


def test_the_seed_documents_examples() -> None:
    zen = [parse_os(r["category"], r["imageVersion"], r["imageName"]) for r in SEED_IMAGES]
    assert [(i.family, i.version, i.major, i.minor, i.edition) for i in zen] == [
        (F.UBUNTU, "24.04", 24, 4, "LTS"), (F.UBUNTU, "22.04", 22, 4, "LTS"), (F.UBUNTU, "20.04", 20, 4, "LTS")]
    jd = [parse_os("CentOS", "8.2", "CentOS 8.2 64位"), parse_os("CentOS", "7.6", "CentOS 7.6 64位")]
    assert [(i.family, i.version, i.major, i.minor) for i in jd] == [(F.CENTOS, "8.2", 8, 2), (F.CENTOS, "7.6", 7, 6)]


@pytest.mark.parametrize(
    ("platform", "version", "name", "family", "os_version", "edition"),
    [
        # names carry the identity when the platform is generic, in English or Chinese
        ("Other Linux", None, "openEuler 22.03 LTS SP1", F.OPENEULER, "22.03", "LTS"),
        ("Other Linux", "", "龙蜥 Anolis OS 8.8 64位", F.ANOLIS, "8.8", None),
        ("Other Linux", None, "欧拉 openEuler 20.03", F.OPENEULER, "20.03", None),
        ("Other Linux", None, "银河麒麟 V10", F.KYLIN, "10", None),
        ("Other Windows", None, "Windows Server 2019 数据中心版 64位中文版", F.WINDOWS_SERVER, "2019", "Datacenter"),
        ("Other Windows", None, "Windows Server 2016 标准版", F.WINDOWS_SERVER, "2016", "Standard"),
        (None, None, "Red Hat Enterprise Linux 9.2", F.RHEL, "9.2", None),
        (None, None, "AlmaLinux-8.9-x86_64", F.ALMA, "8.9", None),
        ("CentOS", None, "CentOS 7.9 64bit", F.CENTOS, "7.9", None),  # 64bit is no version
        ("Ubuntu", None, "ubuntu-app-01", F.UBUNTU, None, None),  # an app counter is no version either
        ("Ubuntu", "22.04", "Ubuntu 22.04 64位 ARM", F.UBUNTU, "22.04", None),
    ],
)
def test_names_in_english_and_chinese(
    platform: str | None, version: str | None, name: str, family: OsFamily, os_version: str | None,
    edition: str | None,
) -> None:
    identity = parse_os(platform, version, name)
    assert (identity.family, identity.version, identity.edition) == (family, os_version, edition)


@pytest.mark.parametrize(
    ("platform", "version", "name"),
    [("Plan9", "4", "plan9-box"), ("Other Linux", None, "my golden image"), (None, None, None), ("", "", "")],
)
def test_unknown_spellings_are_other_with_the_raw_values(platform: str | None, version: str | None,
                                                         name: str | None) -> None:
    identity = parse_os(platform, version, name)
    assert identity.family is F.OTHER
    assert (identity.raw_platform, identity.raw_version, identity.raw_name) == (platform, version, name)


def test_versions_compare_by_component() -> None:
    def key(text: str) -> tuple[int, ...]:
        parsed = parse_version(text)
        assert parsed is not None
        return parsed[1]

    assert key("8.10") > key("8.9") and key("2012 R2") > key("2012") and key("2016") > key("2012 R2")
    assert [parse_version(v) for v in ("twenty", "8.", "", "22.04.x", "v9")] == [None] * 5
    ubuntu_22 = parse_os("Ubuntu", "22.04", "Ubuntu 22.04")

    def matches(condition: OsCondition, platform: str, version: str) -> bool:
        from providers.base import ImageRecord, ImageSource, ImageStatus, OsType
        from providers.zenlayer.models import NAME

        record = ImageRecord(NAME, "z", "i", "n", OsType.LINUX, ImageSource.OFFICIAL, ImageStatus.AVAILABLE, {},
                             platform=platform, os_version=version)
        return condition.matches(record)

    assert ubuntu_22.key == (22, 4)
    assert matches(OsCondition(F.UBUNTU, key("22")), "Ubuntu", "22.04")
    assert not matches(OsCondition(F.UBUNTU, key("22.1")), "Ubuntu", "22.10")
    assert not matches(OsCondition(F.ROCKY, key("8.1")), "Rocky", "8.10")
    assert matches(OsCondition(min_version=key("8.0")), "Rocky", "8")
    assert matches(OsCondition(min_version=key("8.9")), "Rocky", "8.10")
    assert not matches(OsCondition(min_version=key("9")), "Rocky", "8.10")
    assert not matches(OsCondition(min_version=key("1")), "ArchLinux", "rolling")
