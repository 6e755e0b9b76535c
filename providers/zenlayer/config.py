"""The `[zenlayercloud]` settings section (`ZENLAYERCLOUD_*`, plus `CIG_ZENLAYER_RATE_LIMIT` and
`CIG_ZENLAYER_ACTION_RATE_LIMITS`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from ..config import ConfigError, Lookup, Secret, action_rate_limits, csv, rate_limit, secret
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
    scheme = str(lookup("ZENLAYERCLOUD_SCHEME") or "https")
    if scheme not in {"http", "https"}:
        raise ConfigError(f"ZENLAYERCLOUD_SCHEME must be http or https, got {scheme!r}")
    settings = ZenlayerSettings(
        access_key_id=lookup("ZENLAYERCLOUD_ACCESS_KEY_ID"),
        access_key_password=secret(lookup, "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"),
        access_token=secret(lookup, "ZENLAYERCLOUD_ACCESS_TOKEN"),
        domain=str(lookup("ZENLAYERCLOUD_DOMAIN") or DEFAULT_DOMAIN),
        scheme=scheme,
        zones=csv(lookup("ZENLAYERCLOUD_ZONES")),
        rate_limit=rate_limit(lookup, "CIG_ZENLAYER_RATE_LIMIT"),
        action_rate_limits=action_rate_limits(lookup, "CIG_ZENLAYER_ACTION_RATE_LIMITS"),
    )
    if bool(settings.access_key_id) != bool(settings.access_key_password):
        raise ConfigError(
            "set both ZENLAYERCLOUD_ACCESS_KEY_ID and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD (or ZENLAYERCLOUD_ACCESS_TOKEN)"
        )
    return settings


def emulated(settings: ZenlayerSettings, url: str) -> ZenlayerSettings:
    """`settings` pointed at an emulator, with the demo credentials (every zone it serves)."""
    parts = urlsplit(url)
    return replace(
        settings, access_key_id=DEMO_CREDENTIALS.access_key_id,
        access_key_password=Secret(DEMO_CREDENTIALS.access_key_password), access_token=None,
        domain=parts.netloc, scheme=parts.scheme, zones=None,
    )
