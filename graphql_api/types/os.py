"""One OS identity for every provider (`providers.osid`): the `OsFamily` enum, `OsIdentity`, `OsFilter`."""

from __future__ import annotations

import enum

import strawberry

from providers import osid


def _family(name: str, spellings: str) -> object:
    return strawberry.enum_value(name, description=spellings)


@strawberry.enum(description="Operating system distribution, normalized across providers from the platform "
                 "(Zenlayer `category`, JD Cloud `platform`), version and name fields, English or Chinese. "
                 "The inputs are kept in `OsIdentity.raw`.")
class OsFamily(enum.Enum):
    UBUNTU = _family("UBUNTU", "Ubuntu (Zenlayer `Ubuntu`, JD Cloud `Ubuntu`).")
    DEBIAN = _family("DEBIAN", "Debian (Zenlayer `Debian`; JD Cloud `Other Linux` with `Debian ...`).")
    CENTOS = _family("CENTOS", "CentOS Linux, e.g. 7.9 or 8.2 (not CentOS Stream).")
    CENTOS_STREAM = _family("CENTOS_STREAM", "CentOS Stream (versions spelled `Stream 9`).")
    ROCKY = _family("ROCKY", "Rocky Linux (Zenlayer `Rocky`; JD Cloud `Other Linux` with `Rocky ...`).")
    ALMA = _family("ALMA", "AlmaLinux.")
    RHEL = _family("RHEL", "Red Hat Enterprise Linux (`RHEL`, `Red Hat`, 红帽).")
    ORACLE = _family("ORACLE", "Oracle Linux.")
    OPENEULER = _family("OPENEULER", "openEuler (欧拉).")
    ANOLIS = _family("ANOLIS", "Anolis OS (龙蜥).")
    KYLIN = _family("KYLIN", "Kylin (麒麟).")
    UOS = _family("UOS", "UnionTech UOS (统信).")
    FEDORA = _family("FEDORA", "Fedora.")
    OPENSUSE = _family("OPENSUSE", "openSUSE (Leap, Tumbleweed).")
    SLES = _family("SLES", "SUSE Linux Enterprise Server.")
    ALPINE = _family("ALPINE", "Alpine Linux.")
    ARCH = _family("ARCH", "Arch Linux (Zenlayer `ArchLinux`; rolling, no version).")
    GENTOO = _family("GENTOO", "Gentoo (rolling, no version).")
    WINDOWS_SERVER = _family("WINDOWS_SERVER", "Windows Server (JD Cloud `Windows Server`; Zenlayer `Windows` with a "
                             "server year such as `2022 Datacenter`).")
    WINDOWS = _family("WINDOWS", "Windows desktop editions, e.g. JD Cloud `Other Windows` `Windows 10`.")
    FREEBSD = _family("FREEBSD", "FreeBSD.")
    ANDROID = _family("ANDROID", "Android (Zenlayer cloud phone images).")
    OTHER = _family("OTHER", "Not recognized (e.g. Zenlayer `Generic` iPXE images, custom images named freely); "
                    "see `OsIdentity.raw`.")


@strawberry.type(description="The provider fields an OS identity was read from, as received.")
class OsRaw:
    platform: str | None = strawberry.field(description="Zenlayer `category`, JD Cloud `platform`.")
    version: str | None = strawberry.field(description="Zenlayer `imageVersion`, JD Cloud `osVersion`.")
    name: str | None = strawberry.field(description="The image name.")


@strawberry.type(description="The image's operating system, one identity across providers: `family` and a "
                 "normalized `version` (`22.04`, `9`, `2012 R2`), so `Ubuntu` / `Server 22.04 LTS` (Zenlayer) and "
                 "`Ubuntu` / `22.04` (JD Cloud) read the same.")
class OsIdentity:
    family: OsFamily = strawberry.field(description="The distribution; OTHER when the fields name none known.")
    version: str | None = strawberry.field(description="Normalized version, e.g. `22.04`, `9.4`, `2022`, `2012 R2`; "
                                           "null when the fields carry none (e.g. rolling releases).")
    major: int | None = strawberry.field(description="First component of `version`, e.g. 22 for `22.04`.")
    minor: int | None = strawberry.field(description="Second component of `version`, e.g. 4 for `22.04`; null "
                                         "when there is none.")
    edition: str | None = strawberry.field(description="Edition named in the version or name, e.g. `LTS`, "
                                           "`Datacenter` (数据中心版), `Standard` (标准版), `Leap`, `Rolling`.")
    raw: OsRaw = strawberry.field(description="The inputs, as the provider sent them.")

    @classmethod
    def from_identity(cls, found: osid.OsIdentity) -> OsIdentity:
        return cls(
            family=OsFamily[found.family.name], version=found.version, major=found.major, minor=found.minor,
            edition=found.edition,
            raw=OsRaw(platform=found.raw_platform, version=found.raw_version, name=found.raw_name),
        )


@strawberry.input(description="Images whose OS identity (`Image.os`) matches; all given parts must hold. The "
                  "same on every provider: neither has a parameter for it, so this service applies it exactly "
                  "(reading the sources it selects whole, within CIG_MAX_SCAN_ITEMS).")
class OsFilter:
    family: OsFamily | None = strawberry.field(default=None, description="This distribution.")
    version: str | None = strawberry.field(default=None, description="This version or a release of it: its "
                                           "components lead the image's (`22` matches 22.04 and 22.10, `8.1` "
                                           "matches 8.1 but not 8.10). Digits and dots, optionally ` R2`.")
    min_version: str | None = strawberry.field(default=None, description="At least this version, compared "
                                               "component by component (`8.10` is after `8.9`); images without "
                                               "a version do not match.")

