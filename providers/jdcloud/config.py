"""The `[jdcloud]` settings section (`JDCLOUD_*`, plus `CIG_JDCLOUD_RATE_LIMIT` and
`CIG_JDCLOUD_ACTION_RATE_LIMITS`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..config import (
    ConfigError,
    Lookup,
    Secret,
    action_rate_limits,
    http_url,
    non_empty_csv,
    optional,
    rate_limit,
    secret,
    string,
)
from .catalog import default_catalog
from .client import DEFAULT_DISK_ENDPOINT, DEFAULT_VM_ENDPOINT
from .signing import DEMO_CREDENTIALS, JdcloudCredentials

# JD Cloud has no region listing API; these are the regions its Terraform provider knows.
DEFAULT_REGIONS = ("cn-north-1", "cn-east-1", "cn-east-2", "cn-south-1")


@dataclass(frozen=True, slots=True)
class JdcloudSettings:
    access_key: str | None = None
    secret_key: Secret | None = None
    vm_endpoint: str = DEFAULT_VM_ENDPOINT
    disk_endpoint: str = DEFAULT_DISK_ENDPOINT
    regions: tuple[str, ...] = DEFAULT_REGIONS
    rate_limit: float | None = None
    action_rate_limits: tuple[tuple[str, float], ...] = ()  # (action, calls per second), e.g. describeImages

    @property
    def configured(self) -> bool:
        return bool(self.access_key and self.secret_key)

    @property
    def credentials(self) -> JdcloudCredentials:
        return JdcloudCredentials(self.access_key or "", self.secret_key.value if self.secret_key else "")


def load(lookup: Lookup) -> JdcloudSettings:
    settings = JdcloudSettings(
        access_key=optional(lookup, "JDCLOUD_ACCESS_KEY", string),
        secret_key=secret(lookup, "JDCLOUD_SECRET_KEY"),
        vm_endpoint=optional(lookup, "JDCLOUD_VM_ENDPOINT", http_url, DEFAULT_VM_ENDPOINT),
        disk_endpoint=optional(lookup, "JDCLOUD_DISK_ENDPOINT", http_url, DEFAULT_DISK_ENDPOINT),
        regions=optional(lookup, "JDCLOUD_REGIONS", non_empty_csv, DEFAULT_REGIONS),
        rate_limit=rate_limit(lookup, "CIG_JDCLOUD_RATE_LIMIT"),
        action_rate_limits=action_rate_limits(lookup, "CIG_JDCLOUD_ACTION_RATE_LIMITS"),
    )
    if bool(settings.access_key) != bool(settings.secret_key):
        given = "JDCLOUD_ACCESS_KEY" if settings.access_key else "JDCLOUD_SECRET_KEY"
        raise ConfigError("set both JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY", setting=given)
    return settings


def emulated(settings: JdcloudSettings, url: str) -> JdcloudSettings:
    """`settings` pointed at an emulator (both endpoints), with the demo credentials and the regions its demo
    catalog has images in (the emulator knows every default region too, but an empty one adds only calls)."""
    return replace(
        settings, access_key=DEMO_CREDENTIALS.access_key, secret_key=Secret(DEMO_CREDENTIALS.secret_key),
        vm_endpoint=url, disk_endpoint=url, regions=tuple(sorted(default_catalog().regions_with_images)),
    )
