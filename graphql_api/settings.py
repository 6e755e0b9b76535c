"""Settings, read once at startup from the environment and an optional TOML file (`CIG_CONFIG`).

Provider variables follow the providers' own conventions; service variables use the `CIG_` prefix.
The TOML file uses the same names, lower-cased, in tables (`[zenlayercloud] access_key_id = ...`,
`[jdcloud] regions = [...]`, `[cig] cache_url = ...`); the environment wins over the file.
Secrets are held in `Secret`, whose repr is masked, so a logged settings object shows none.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

JDCLOUD_VM_ENDPOINT = "https://vm.jdcloud-api.com"
JDCLOUD_DISK_ENDPOINT = "https://disk.jdcloud-api.com"
# JD Cloud has no region listing API; these are the regions its Terraform provider knows.
JDCLOUD_REGIONS = ("cn-north-1", "cn-east-1", "cn-east-2", "cn-south-1")


class SettingsError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Secret:
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    def __bool__(self) -> bool:
        return bool(self.value)


@dataclass(frozen=True, slots=True)
class ZenlayerSettings:
    access_key_id: str | None = None
    access_key_password: Secret | None = None
    access_token: Secret | None = None
    domain: str = "console.zenlayer.com"
    scheme: str = "https"
    zones: tuple[str, ...] | None = None  # None: discover with DescribeZones
    rate_limit: float | None = None  # calls per second for this account; None = unlimited

    @property
    def configured(self) -> bool:
        return bool(self.access_token) or bool(self.access_key_id and self.access_key_password)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"


@dataclass(frozen=True, slots=True)
class JdcloudSettings:
    access_key: str | None = None
    secret_key: Secret | None = None
    vm_endpoint: str = JDCLOUD_VM_ENDPOINT
    disk_endpoint: str = JDCLOUD_DISK_ENDPOINT
    regions: tuple[str, ...] = JDCLOUD_REGIONS
    rate_limit: float | None = None

    @property
    def configured(self) -> bool:
        return bool(self.access_key and self.secret_key)


@dataclass(frozen=True, slots=True)
class ResponseCacheSettings:
    """Whole answers of repeated query operations (graphql_api.response_cache)."""

    enabled: bool = True
    url: str | None = None  # memory:// or redis://...; None: the provider cache's CIG_CACHE_URL
    max_bytes: int = 64 * 1024 * 1024  # memory backend: answers, keys and bookkeeping together
    max_entries: int = 10_000  # memory backend: answers held
    max_entry_bytes: int = 4 * 1024 * 1024  # a larger answer is served, never stored
    honor_no_cache: bool = True  # a request's `Cache-Control: no-cache` skips the cache


@dataclass(frozen=True, slots=True)
class Settings:
    zenlayer: ZenlayerSettings = field(default_factory=ZenlayerSettings)
    jdcloud: JdcloudSettings = field(default_factory=JdcloudSettings)
    cache_url: str = "memory://"  # or redis://host:6379/0 to share across workers and restarts
    cache_ttl: float = 300.0  # seconds a provider answer is reused
    api_keys: tuple[Secret, ...] = ()  # when set, /graphql requires `Authorization: Bearer <key>`
    default_page_size: int = 50
    max_page_size: int = 1000
    max_scan_items: int = 20_000
    max_node_ids: int = 100
    max_query_depth: int = 12
    max_aliases: int = 30
    upstream_timeout: float = 10.0
    upstream_max_attempts: int = 4
    max_response_bytes: int = 16 * 1024 * 1024
    graphiql: bool = True
    graphiql_assets_dir: Path | None = None  # serve GraphiQL's JS/CSS locally (no CDN) from this directory
    log_level: str = "INFO"
    demo: bool = False  # forced demo mode; also on when no provider has credentials
    response_cache: ResponseCacheSettings = field(default_factory=ResponseCacheSettings)

    @property
    def demo_mode(self) -> bool:
        return self.demo or not (self.zenlayer.configured or self.jdcloud.configured)


def _csv(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    out = tuple(str(item).strip() for item in items if str(item).strip())
    return out or None


def _number(name: str, value: Any, kind: type[int] | type[float], minimum: float = 0) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name} must be a number, got {value!r}") from None
    if number < minimum:
        raise SettingsError(f"{name} must be at least {minimum:g}, got {number}")
    return number


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, got {value!r}")


def _merged(env: Mapping[str, str]) -> dict[str, Any]:
    """Environment over file: one flat mapping keyed by the environment variable names."""
    values: dict[str, Any] = {}
    path = env.get("CIG_CONFIG")
    if path:
        try:
            document = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"CIG_CONFIG={path}: {exc}") from None
        for table, prefix in (("zenlayercloud", "ZENLAYERCLOUD_"), ("jdcloud", "JDCLOUD_"), ("cig", "CIG_")):
            for key, value in document.get(table, {}).items():
                values[prefix + key.upper()] = value
    values.update({k: v for k, v in env.items() if k.startswith(("ZENLAYERCLOUD_", "JDCLOUD_", "CIG_"))})
    return values


def _url(name: str, value: str) -> str:
    if not value.startswith(("memory://", "redis://")):
        raise SettingsError(f"{name} must start with memory:// or redis://, got {value.split('@')[-1]!r}")
    return value


def _response_cache(opt: Callable[[str], Any]) -> ResponseCacheSettings:
    default = ResponseCacheSettings()
    url = opt("CIG_RESPONSE_CACHE_URL")
    return ResponseCacheSettings(
        enabled=_bool("CIG_RESPONSE_CACHE", opt("CIG_RESPONSE_CACHE") if opt("CIG_RESPONSE_CACHE") is not None
                      else True),
        url=_url("CIG_RESPONSE_CACHE_URL", str(url)) if url is not None else None,
        max_bytes=_number("CIG_RESPONSE_CACHE_MAX_BYTES", opt("CIG_RESPONSE_CACHE_MAX_BYTES") or default.max_bytes,
                          int, 1024),
        max_entries=_number("CIG_RESPONSE_CACHE_MAX_ENTRIES",
                            opt("CIG_RESPONSE_CACHE_MAX_ENTRIES") or default.max_entries, int, 1),
        max_entry_bytes=_number("CIG_RESPONSE_CACHE_MAX_ENTRY_BYTES",
                                opt("CIG_RESPONSE_CACHE_MAX_ENTRY_BYTES") or default.max_entry_bytes, int, 1),
        honor_no_cache=_bool("CIG_RESPONSE_CACHE_HONOR_NO_CACHE", opt("CIG_RESPONSE_CACHE_HONOR_NO_CACHE")
                             if opt("CIG_RESPONSE_CACHE_HONOR_NO_CACHE") is not None else True),
    )


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings. Raises SettingsError naming the offending variable."""
    v = _merged(os.environ if env is None else env)

    def opt(name: str) -> Any:
        value = v.get(name)
        return None if value in (None, "") else value

    def secret(name: str) -> Secret | None:
        value = opt(name)
        return Secret(str(value)) if value is not None else None

    zen_scheme = str(opt("ZENLAYERCLOUD_SCHEME") or "https")
    if zen_scheme not in {"http", "https"}:
        raise SettingsError(f"ZENLAYERCLOUD_SCHEME must be http or https, got {zen_scheme!r}")
    zenlayer = ZenlayerSettings(
        access_key_id=opt("ZENLAYERCLOUD_ACCESS_KEY_ID"),
        access_key_password=secret("ZENLAYERCLOUD_ACCESS_KEY_PASSWORD"),
        access_token=secret("ZENLAYERCLOUD_ACCESS_TOKEN"),
        domain=str(opt("ZENLAYERCLOUD_DOMAIN") or "console.zenlayer.com"),
        scheme=zen_scheme,
        zones=_csv(opt("ZENLAYERCLOUD_ZONES")),
        rate_limit=_number("CIG_ZENLAYER_RATE_LIMIT", opt("CIG_ZENLAYER_RATE_LIMIT"), float, 0.001)
        if opt("CIG_ZENLAYER_RATE_LIMIT") is not None else None,
    )
    if bool(zenlayer.access_key_id) != bool(zenlayer.access_key_password):
        raise SettingsError(
            "set both ZENLAYERCLOUD_ACCESS_KEY_ID and ZENLAYERCLOUD_ACCESS_KEY_PASSWORD (or ZENLAYERCLOUD_ACCESS_TOKEN)"
        )
    jdcloud = JdcloudSettings(
        access_key=opt("JDCLOUD_ACCESS_KEY"),
        secret_key=secret("JDCLOUD_SECRET_KEY"),
        vm_endpoint=str(opt("JDCLOUD_VM_ENDPOINT") or JDCLOUD_VM_ENDPOINT),
        disk_endpoint=str(opt("JDCLOUD_DISK_ENDPOINT") or JDCLOUD_DISK_ENDPOINT),
        regions=_csv(opt("JDCLOUD_REGIONS")) or JDCLOUD_REGIONS,
        rate_limit=_number("CIG_JDCLOUD_RATE_LIMIT", opt("CIG_JDCLOUD_RATE_LIMIT"), float, 0.001)
        if opt("CIG_JDCLOUD_RATE_LIMIT") is not None else None,
    )
    if bool(jdcloud.access_key) != bool(jdcloud.secret_key):
        raise SettingsError("set both JDCLOUD_ACCESS_KEY and JDCLOUD_SECRET_KEY")
    for name, url in (("JDCLOUD_VM_ENDPOINT", jdcloud.vm_endpoint), ("JDCLOUD_DISK_ENDPOINT", jdcloud.disk_endpoint)):
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"{name} must be an http(s) URL, got {url!r}")
    cache_url = _url("CIG_CACHE_URL", str(opt("CIG_CACHE_URL") or "memory://"))
    assets = opt("CIG_GRAPHIQL_ASSETS_DIR")
    return Settings(
        zenlayer=zenlayer,
        jdcloud=jdcloud,
        cache_url=cache_url,
        cache_ttl=_number("CIG_CACHE_TTL", opt("CIG_CACHE_TTL") or 300, float),
        api_keys=tuple(Secret(k) for k in _csv(opt("CIG_API_KEYS")) or ()),
        default_page_size=_number("CIG_DEFAULT_PAGE_SIZE", opt("CIG_DEFAULT_PAGE_SIZE") or 50, int, 1),
        max_page_size=_number("CIG_MAX_PAGE_SIZE", opt("CIG_MAX_PAGE_SIZE") or 1000, int, 1),
        max_scan_items=_number("CIG_MAX_SCAN_ITEMS", opt("CIG_MAX_SCAN_ITEMS") or 20_000, int, 1),
        max_node_ids=_number("CIG_MAX_NODE_IDS", opt("CIG_MAX_NODE_IDS") or 100, int, 1),
        max_query_depth=_number("CIG_MAX_QUERY_DEPTH", opt("CIG_MAX_QUERY_DEPTH") or 12, int, 1),
        max_aliases=_number("CIG_MAX_ALIASES", opt("CIG_MAX_ALIASES") or 30, int, 1),
        upstream_timeout=_number("CIG_UPSTREAM_TIMEOUT", opt("CIG_UPSTREAM_TIMEOUT") or 10, float, 0.1),
        upstream_max_attempts=_number("CIG_UPSTREAM_MAX_ATTEMPTS", opt("CIG_UPSTREAM_MAX_ATTEMPTS") or 4, int, 1),
        max_response_bytes=_number(
            "CIG_MAX_RESPONSE_BYTES", opt("CIG_MAX_RESPONSE_BYTES") or 16 * 1024 * 1024, int, 1024
        ),
        graphiql=_bool("CIG_GRAPHIQL", opt("CIG_GRAPHIQL") if opt("CIG_GRAPHIQL") is not None else True),
        graphiql_assets_dir=Path(assets) if assets else None,
        log_level=str(opt("CIG_LOG_LEVEL") or "INFO").upper(),
        demo=_bool("CIG_DEMO", opt("CIG_DEMO") or False),
        response_cache=_response_cache(opt),
    )
