"""The `[zenlayercloud]` settings section (`ZENLAYERCLOUD_*`, plus `CIG_ZENLAYER_RATE_LIMIT` and
`CIG_ZENLAYER_ACTION_RATE_LIMITS`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from ..config import (
    ConfigError,
    Lookup,
    Secret,
    action_rate_limits,
    choice,
    non_empty_csv,
    optional,
    rate_limit,
    secret,
    string,
)
from .signing import DEMO_CREDENTIALS, ZenlayerCredentials, ZenlayerToken

DEFAULT_DOMAIN = "console.zenlayer.com"


@dataclass(frozen=True, slots=True)
class ZenlayerSettings:
    access_key_id: str | None = None
    access_key_password: Secret | None = None
    access_token: Secret | None = None
    domain: str = DEFAULT_DOMAIN
    scheme: str = "https"
    zones: tuple[str, ...] | None = None  # None: discover with DescribeZones
    rate_limit: float | None = None  # calls per second for this account; None = unlimited
    action_rate_limits: tuple[tuple[str, float], ...] = ()  # (action, calls per second), e.g. DescribeImages

    @property
    def configured(self) -> bool:
        return bool(self.access_token) or bool(self.access_key_id and self.access_key_password)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def credentials(self) -> ZenlayerCredentials | ZenlayerToken:
        if self.access_token:
            return ZenlayerToken(self.access_token.value)
        return ZenlayerCredentials(
            self.access_key_id or "", self.access_key_password.value if self.access_key_password else ""
        )


def load(lookup: Lookup) -> ZenlayerSettings:
    settings = ZenlayerSettings(
        access_key_id=optional(lookup, "ZENLAYERCLOUD_ACCESS_KEY_ID", string),
        access_key_password=secret(lookup, "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"),
        access_token=secret(lookup, "ZENLAYERCLOUD_ACCESS_TOKEN"),
        domain=optional(lookup, "ZENLAYERCLOUD_DOMAIN", _domain, DEFAULT_DOMAIN),
        scheme=optional(lookup, "ZENLAYERCLOUD_SCHEME", choice("http", "https"), "https"),
        zones=optional(lookup, "ZENLAYERCLOUD_ZONES", non_empty_csv),
        rate_limit=rate_limit(lookup, "CIG_ZENLAYER_RATE_LIMIT"),
        action_rate_limits=action_rate_limits(lookup, "CIG_ZENLAYER_ACTION_RATE_LIMITS"),
    )
    if bool(settings.access_key_id) != bool(settings.access_key_password):
        given = "ZENLAYERCLOUD_ACCESS_KEY_ID" if settings.access_key_id else "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"
        raise ConfigError("set both ZENLAYERCLOUD_ACCESS_KEY_ID and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD (or "
                          "ZENLAYERCLOUD_ACCESS_TOKEN)", setting=given)
    return settings


def _domain(name: str, value: object) -> str:
    """A host (and port), not a URL: the scheme is `ZENLAYERCLOUD_SCHEME`."""
    domain = string(name, value)
    if "://" in domain or "/" in domain:
        raise ConfigError(f"{name} must be a host name such as {DEFAULT_DOMAIN} (set the scheme with "
                          f"ZENLAYERCLOUD_SCHEME), got {domain!r}", setting=name)
    return domain


def emulated(settings: ZenlayerSettings, url: str) -> ZenlayerSettings:
    """`settings` pointed at an emulator, with the demo credentials (every zone it serves)."""
    parts = urlsplit(url)
    return replace(
        settings, access_key_id=DEMO_CREDENTIALS.access_key_id,
        access_key_password=Secret(DEMO_CREDENTIALS.access_key_password), access_token=None,
        domain=parts.netloc, scheme=parts.scheme, zones=None,
    )
