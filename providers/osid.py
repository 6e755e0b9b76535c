"""One OS identity for every provider: family, version, edition, parsed from a record's text fields.

Providers spell the same system differently (Zenlayer `category: Ubuntu`, `imageVersion: Server 22.04
LTS`; JD Cloud `platform: Ubuntu`, `osVersion: 22.04`; JD `platform: Other Linux`, `osVersion:
openEuler 22.03`; names in English or Chinese such as `CentOS 8.2 64位`). `parse_os(platform,
version, name)` reads them in that order of authority:

1. the family: the platform when it names one (Zenlayer `category`, JD `platform`); when it is generic
   (`Other Linux`, `Other Windows`, `Generic`, `OTHERS`, absent) the version text, then the name.
   Windows is WINDOWS_SERVER when a server year (2003..2039) or "Server" appears, WINDOWS otherwise;
   CentOS is CENTOS_STREAM when "Stream" appears.
2. the version: the first number like `22.04` / `9` / `2012 R2` in the version text, else the one
   right after the family's name in the name (so `ubuntu-app-01` has none, and `64位` / `64bit` /
   `x86_64` never count).
3. the edition: a known word (LTS, Datacenter / 数据中心版, Standard / 标准版, Enterprise / 企业版,
   Leap, Tumbleweed, Core, Rolling) in the version text or the name.

Unknown spellings give family OTHER; the raw inputs are always kept. Versions compare by their
numeric components (`8.10` after `8.9`); `R2` counts as a third component (`2012 R2` after `2012`).
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass

from .base import ImageRecord


class OsFamily(enum.Enum):
    UBUNTU = "UBUNTU"
    DEBIAN = "DEBIAN"
    CENTOS = "CENTOS"
    CENTOS_STREAM = "CENTOS_STREAM"
    ROCKY = "ROCKY"
    ALMA = "ALMA"
    RHEL = "RHEL"
    ORACLE = "ORACLE"
    OPENEULER = "OPENEULER"
    ANOLIS = "ANOLIS"
    KYLIN = "KYLIN"
    UOS = "UOS"
    FEDORA = "FEDORA"
    OPENSUSE = "OPENSUSE"
    SLES = "SLES"
    ALPINE = "ALPINE"
    ARCH = "ARCH"
    GENTOO = "GENTOO"
    WINDOWS_SERVER = "WINDOWS_SERVER"
    WINDOWS = "WINDOWS"
    FREEBSD = "FREEBSD"
    ANDROID = "ANDROID"
    OTHER = "OTHER"


VersionKey = tuple[int, ...]
VERSION_PARTS = 4  # components versions are compared on (longer ones are never seen in catalogs)


@dataclass(frozen=True, slots=True)
class OsIdentity:
    family: OsFamily
    version: str | None  # normalized, e.g. "22.04", "9", "2012 R2"
    key: VersionKey | None  # numeric components for comparing, e.g. (22, 4), (2012, 0, 2)
    edition: str | None
    raw_platform: str | None
    raw_version: str | None
    raw_name: str | None

    major: int | None
    minor: int | None


# Spellings -> family. Matched case-insensitively as whole words (Chinese ones as substrings); longer
# spellings first, so "centos stream" wins over "centos" and "windows server" over "windows".
_ALIASES: tuple[tuple[str, OsFamily], ...] = (
    ("centos stream", OsFamily.CENTOS_STREAM), ("centos-stream", OsFamily.CENTOS_STREAM),
    ("windows server", OsFamily.WINDOWS_SERVER),
    ("red hat enterprise linux", OsFamily.RHEL), ("red hat", OsFamily.RHEL), ("redhat", OsFamily.RHEL),
    ("rhel", OsFamily.RHEL), ("红帽", OsFamily.RHEL),
    ("rocky linux", OsFamily.ROCKY), ("rockylinux", OsFamily.ROCKY), ("rocky", OsFamily.ROCKY),
    ("almalinux", OsFamily.ALMA), ("alma linux", OsFamily.ALMA), ("alma", OsFamily.ALMA),
    ("oracle linux", OsFamily.ORACLE),
    ("openeuler", OsFamily.OPENEULER), ("欧拉", OsFamily.OPENEULER),
    ("anolis", OsFamily.ANOLIS), ("龙蜥", OsFamily.ANOLIS),
    ("kylin", OsFamily.KYLIN), ("麒麟", OsFamily.KYLIN),
    ("uos", OsFamily.UOS), ("统信", OsFamily.UOS),
    ("opensuse", OsFamily.OPENSUSE), ("suse linux enterprise", OsFamily.SLES), ("sles", OsFamily.SLES),
    ("ubuntu", OsFamily.UBUNTU), ("乌班图", OsFamily.UBUNTU),
    ("debian", OsFamily.DEBIAN),
    ("centos", OsFamily.CENTOS),
    ("fedora", OsFamily.FEDORA),
    ("alpine", OsFamily.ALPINE),
    ("archlinux", OsFamily.ARCH), ("arch linux", OsFamily.ARCH),
    ("gentoo", OsFamily.GENTOO),
    ("freebsd", OsFamily.FREEBSD),
    ("android", OsFamily.ANDROID), ("安卓", OsFamily.ANDROID),
    ("windows", OsFamily.WINDOWS),
)
# Platform values that name no distribution: the family comes from the version text or the name.
GENERIC_PLATFORMS = frozenset({"other linux", "other windows", "others", "other", "generic", "linux", ""})
_EDITIONS: tuple[tuple[str, str], ...] = (
    ("lts", "LTS"), ("datacenter", "Datacenter"), ("数据中心版", "Datacenter"), ("standard", "Standard"),
    ("标准版", "Standard"), ("enterprise", "Enterprise"), ("企业版", "Enterprise"), ("leap", "Leap"),
    ("tumbleweed", "Tumbleweed"), ("core", "Core"), ("rolling", "Rolling"),
)
_NUMBER = r"(\d+(?:\.\d+)*)(?:\s*r(\d+))?(?![\w.]|\s*(?:位|bit|-bit))"  # never 64位, 64bit
_VERSION = re.compile(r"(?<![\w.])" + _NUMBER, re.IGNORECASE)
# Right after the family's name, maybe past a word such as "OS" or "Linux", maybe written "V10".
_VERSION_AFTER = re.compile(r"[\s_-]+(?:(?:os|linux|server)[\s_-]+)?v?" + _NUMBER, re.IGNORECASE)
_EDITION_PATTERNS = tuple((label, re.compile(r"(?<![a-z])" + word + r"(?![a-z])")) for word, label in _EDITIONS)
_SERVER_YEAR = re.compile(r"\b20[0-3]\d\b")
_VERSION_TEXT = re.compile(r"^\s*(\d+(?:\.\d+)*)(?:\s*r(\d+))?\s*$", re.IGNORECASE)


def _pattern(spelling: str) -> re.Pattern[str]:
    if spelling.isascii():
        return re.compile(r"(?<![a-z0-9])" + re.escape(spelling).replace(r"\ ", r"[\s_-]*") + r"(?![a-z])")
    return re.compile(re.escape(spelling))


_PATTERNS: tuple[tuple[re.Pattern[str], OsFamily], ...] = tuple((_pattern(s), f) for s, f in _ALIASES)


def _family_in(text: str) -> OsFamily | None:
    """The family spelled first in `text` (the longest spelling where two start together)."""
    found = [(m, f) for p, f in _PATTERNS if (m := p.search(text))]
    if not found:
        return None
    return min(found, key=lambda item: (item[0].start(), -len(item[0].group())))[1]


def _refine(family: OsFamily, text: str) -> OsFamily:
    """Windows desktop or server, CentOS or CentOS Stream: the rest of the text decides."""
    if family is OsFamily.WINDOWS and ("server" in text or _SERVER_YEAR.search(text)):
        return OsFamily.WINDOWS_SERVER
    if family is OsFamily.CENTOS and "stream" in text:
        return OsFamily.CENTOS_STREAM
    return family


def _version_in(text: str) -> tuple[str, VersionKey] | None:
    match = _VERSION.search(text)
    return _version_of(match.group(1), match.group(2)) if match else None


def _version_of(number: str, revision: str | None) -> tuple[str, VersionKey]:
    parts = tuple(int(p) for p in number.split("."))
    if revision is None:
        return number, parts
    return f"{number} R{int(revision)}", (*parts, *([0] * max(0, 2 - len(parts))), int(revision))


def _version_after_family(name: str) -> tuple[str, VersionKey] | None:
    """The version right after a family's name in an image name (`Anolis OS 8.8`, `Kylin V10`)."""
    for pattern, _family in _PATTERNS:
        for found in pattern.finditer(name):
            match = _VERSION_AFTER.match(name, found.end())
            if match:
                return _version_of(match.group(1), match.group(2))
    return None


def _edition_in(text: str) -> str | None:
    """An edition word outside the family's own name (`Red Hat Enterprise Linux` is no Enterprise edition)."""
    for pattern, _family in _PATTERNS:
        text = pattern.sub(" ", text)
    return next((label for label, pattern in _EDITION_PATTERNS if pattern.search(text)), None)


def parse_version(text: str) -> tuple[str, VersionKey] | None:
    """A version as a filter gives it (`22.04`, `9`, `2012 R2`); None when it is not one."""
    match = _VERSION_TEXT.match(text)
    return _version_of(match.group(1), match.group(2)) if match else None


@functools.lru_cache(maxsize=4096)
def parse_os(platform: str | None, version: str | None, name: str | None) -> OsIdentity:
    """The OS identity of an image from its platform (category), version and name fields."""
    platform_text, version_text, name_text = ((v or "").strip().casefold() for v in (platform, version, name))
    found = None if platform_text in GENERIC_PLATFORMS else _family_in(platform_text)
    if found is None:
        found = _family_in(version_text) or _family_in(name_text)
    everything = " ".join((platform_text, version_text, name_text))
    family = OsFamily.OTHER if found is None else _refine(found, everything)
    parsed = _version_in(version_text) or _version_after_family(name_text)
    edition = _edition_in(version_text + " " + name_text)
    parts = tuple(int(p) for p in parsed[0].split(" ")[0].split(".")) if parsed else ()
    return OsIdentity(
        family=family, version=parsed[0] if parsed else None, key=parsed[1] if parsed else None,
        major=parts[0] if parts else None, minor=parts[1] if len(parts) > 1 else None, edition=edition,
        raw_platform=platform, raw_version=version, raw_name=name,
    )


def identity_of(record: ImageRecord) -> OsIdentity:
    """A record's OS identity (cached by its text fields: records of one image share it)."""
    return parse_os(record.platform, record.os_version, record.name)


@dataclass(frozen=True, slots=True)
class OsCondition:
    """The `os` filter: a family, an exact version (its components a prefix: `22` matches 22.04 and
    22.10, `8.1` matches 8.1 but not 8.10), a least version; all given parts must hold."""

    family: OsFamily | None = None
    version: VersionKey | None = None
    min_version: VersionKey | None = None

    def matches(self, record: ImageRecord) -> bool:
        found = identity_of(record)
        if self.family is not None and found.family is not self.family:
            return False
        if self.version is not None and (found.key is None or found.key[:len(self.version)] != self.version):
            return False
        return self.min_version is None or (found.key is not None and padded(found.key) >= padded(self.min_version))


def padded(key: VersionKey) -> VersionKey:
    """`key` with trailing zeros, so `8` and `8.0` compare equal and `8` stays before `8.1`."""
    return key + (0,) * (VERSION_PARTS - len(key))
