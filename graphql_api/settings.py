"""Settings, read once at startup from the environment and an optional TOML file (`CIG_CONFIG`).

Each registered provider (`providers.registry`) reads its own section with its own variable names
(its spec's `env_prefix` and `toml_table`); service variables use the `CIG_` prefix. The TOML file
uses the same names, lower-cased, in tables (`[zenlayercloud] access_key_id = ...`, `[cig] cache_url
= ...`); the environment wins over the file. The service defaults are the `Settings` field defaults,
defined once (`DEFAULTS`), and `Settings.limits` builds the resolvers' `Limits` from them.
Secrets are held in `Secret`, whose repr is masked, so a logged settings object shows none.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from providers.base import ProviderName
from providers.config import ConfigError, Secret, boolean, csv, number
from providers.registry import PROVIDERS
from providers.spec import ProviderSettings
from resolvers.loaders import Limits

LOG_FORMATS = ("text", "json")
# A browser origin: scheme, host and optional port, nothing else (no path, no trailing slash).
ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")


def _default_sections() -> dict[ProviderName, ProviderSettings]:
    return {spec.name: spec.load_settings(lambda name: None) for spec in PROVIDERS}


__all__ = ["DEFAULTS", "Secret", "Settings", "SettingsError", "load"]


class SettingsError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    # Each registered provider's section (its package's settings dataclass), by provider.
    providers: Mapping[ProviderName, ProviderSettings] = field(default_factory=_default_sections)
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
    operation_timeout: float = 5.0  # seconds per GraphQL operation for all its provider calls; 0 = none
    stale_if_error: float = 900.0  # seconds past the TTL an answer is kept and served when the provider fails
    stale_while_revalidate: float = 0.0  # seconds past the TTL an answer is served at once while refreshed
    min_max_age: float = 5.0  # the smallest `Cache-Control: max-age` a client may ask for
    breaker_failures: int = 5  # failed calls in a row that open a provider location's circuit
    breaker_open_seconds: float = 30.0  # how long an open circuit skips calls before one probe
    quota_max_wait: float = 2.0  # longest wait for a client-side quota slot
    graphiql: bool = True
    graphiql_assets_dir: Path | None = None  # serve GraphiQL's JS/CSS locally (no CDN) from this directory
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object per line
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API cross-origin; "*" for any
    demo: bool = False  # forced demo mode; also on when no provider has credentials

    @property
    def demo_mode(self) -> bool:
        return self.demo or not any(section.configured for section in self.providers.values())

    def section(self, provider: str | ProviderName) -> Any:
        """A provider's settings section; UnknownProviderError for a provider not registered."""
        return self.providers[PROVIDERS.get(provider).name]

    @property
    def limits(self) -> Limits:
        return Limits(
            default_page_size=self.default_page_size, max_page_size=self.max_page_size,
            max_scan_items=self.max_scan_items, max_node_ids=self.max_node_ids,
            operation_timeout=self.operation_timeout or None, min_max_age=self.min_max_age,
        )


DEFAULTS = Settings()


def _origins(value: Any) -> tuple[str, ...]:
    origins = csv(value) or ()
    for origin in origins:
        if origin != "*" and not ORIGIN.fullmatch(origin):
            raise SettingsError(
                f"CIG_CORS_ORIGINS entries must be * or scheme://host[:port] (no path), got {origin!r}"
            )
    return tuple(o if o == "*" else o.lower() for o in origins)


def _merged(env: Mapping[str, str]) -> dict[str, Any]:
    """Environment over file: one flat mapping keyed by the environment variable names."""
    values: dict[str, Any] = {}
    path = env.get("CIG_CONFIG")
    if path:
        try:
            document = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"CIG_CONFIG={path}: {exc}") from None
        tables = [(spec.toml_table, spec.env_prefix) for spec in PROVIDERS] + [("cig", "CIG_")]
        for table, prefix in tables:
            for key, value in document.get(table, {}).items():
                values[prefix + key.upper()] = value
    prefixes = (*(spec.env_prefix for spec in PROVIDERS), "CIG_")
    values.update({k: v for k, v in env.items() if k.startswith(prefixes)})
    return values


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings. Raises SettingsError naming the offending variable."""
    try:
        return _load(_merged(os.environ if env is None else env))
    except ConfigError as exc:
        raise SettingsError(str(exc)) from None


def _load(v: Mapping[str, Any]) -> Settings:
    def opt(name: str) -> Any:
        value = v.get(name)
        return None if value in (None, "") else value

    def num(name: str, default: float, kind: type[int] | type[float], minimum: float = 0) -> Any:
        value = opt(name)
        return number(name, value, kind, minimum) if value is not None else default

    d = DEFAULTS
    cache_url = str(opt("CIG_CACHE_URL") or d.cache_url)
    if not cache_url.startswith(("memory://", "redis://")):
        raise SettingsError(f"CIG_CACHE_URL must start with memory:// or redis://, got {cache_url.split('@')[-1]!r}")
    assets = opt("CIG_GRAPHIQL_ASSETS_DIR")
    graphiql = opt("CIG_GRAPHIQL")
    log_format = str(opt("CIG_LOG_FORMAT") or d.log_format).lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(f"CIG_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    return Settings(
        providers={spec.name: spec.load_settings(opt) for spec in PROVIDERS},
        cache_url=cache_url,
        cache_ttl=num("CIG_CACHE_TTL", d.cache_ttl, float),
        api_keys=tuple(Secret(k) for k in csv(opt("CIG_API_KEYS")) or ()),
        default_page_size=num("CIG_DEFAULT_PAGE_SIZE", d.default_page_size, int, 1),
        max_page_size=num("CIG_MAX_PAGE_SIZE", d.max_page_size, int, 1),
        max_scan_items=num("CIG_MAX_SCAN_ITEMS", d.max_scan_items, int, 1),
        max_node_ids=num("CIG_MAX_NODE_IDS", d.max_node_ids, int, 1),
        max_query_depth=num("CIG_MAX_QUERY_DEPTH", d.max_query_depth, int, 1),
        max_aliases=num("CIG_MAX_ALIASES", d.max_aliases, int, 1),
        upstream_timeout=num("CIG_UPSTREAM_TIMEOUT", d.upstream_timeout, float, 0.1),
        upstream_max_attempts=num("CIG_UPSTREAM_MAX_ATTEMPTS", d.upstream_max_attempts, int, 1),
        max_response_bytes=num("CIG_MAX_RESPONSE_BYTES", d.max_response_bytes, int, 1024),
        operation_timeout=num("CIG_OPERATION_TIMEOUT", d.operation_timeout, float),
        stale_if_error=num("CIG_STALE_IF_ERROR", d.stale_if_error, float),
        stale_while_revalidate=num("CIG_STALE_WHILE_REVALIDATE", d.stale_while_revalidate, float),
        min_max_age=num("CIG_MIN_MAX_AGE", d.min_max_age, float),
        breaker_failures=num("CIG_BREAKER_FAILURES", d.breaker_failures, int, 1),
        breaker_open_seconds=num("CIG_BREAKER_OPEN_SECONDS", d.breaker_open_seconds, float, 0.01),
        quota_max_wait=num("CIG_QUOTA_MAX_WAIT", d.quota_max_wait, float),
        graphiql=boolean("CIG_GRAPHIQL", graphiql) if graphiql is not None else d.graphiql,
        graphiql_assets_dir=Path(assets) if assets else None,
        log_level=str(opt("CIG_LOG_LEVEL") or d.log_level).upper(),
        log_format=log_format,
        cors_origins=_origins(opt("CIG_CORS_ORIGINS")),
        demo=boolean("CIG_DEMO", opt("CIG_DEMO") or False),
    )
