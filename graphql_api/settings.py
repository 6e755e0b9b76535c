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


__all__ = ["DEFAULTS", "Secret", "Settings", "SettingsError", "execution_mode", "load"]


class SettingsError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names the variable."""


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
    response_cache: ResponseCacheSettings = field(default_factory=ResponseCacheSettings)
    compiled_execution: str = "on"  # "on", "off" or "shadow" (see graphql_api.execution)
    # --- hostile clients (issue 18): request limits, upstream-call budget, rate limits, production switches
    max_upstream_calls: int = 200  # provider calls one operation may plan (resolvers.plan); 0 = no budget
    report_upstream_calls: bool = False  # every response's `extensions.upstreamCalls`
    introspection: bool = True  # `__schema` / `__type` queries
    field_suggestions: bool = True  # "Did you mean ...?" in validation errors (names schema fields)
    max_body_bytes: int = 1024 * 1024  # a POST body; larger is 413 before it is read whole
    max_url_bytes: int = 16 * 1024  # a GET request's path and query string; longer is 414
    max_document_bytes: int = 64 * 1024  # the GraphQL document's text
    max_tokens: int = 5_000  # lexical tokens of the document
    max_fragments: int = 50  # fragment definitions per document
    max_directives: int = 50  # directive uses per document
    max_variables_bytes: int = 64 * 1024  # the variables' JSON
    max_json_depth: int = 16  # nesting of arrays and objects in variables and extensions
    max_list_items: int = 1_000  # entries of any one list in variables (imageIds, ids, ...)
    rate_limit: float = 0.0  # requests per second per API key (or per client address without keys); 0 = none
    rate_burst: int = 0  # requests a client may send at once above the rate; 0 = twice the rate, at least 1
    memory_cache_max_entries: int = 10_000  # provider answers held by the memory:// cache
    memory_cache_max_bytes: int = 256 * 1024 * 1024  # their pickled size, together

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


def _url(name: str, value: str) -> str:
    if not value.startswith(("memory://", "redis://")):
        raise SettingsError(f"{name} must start with memory:// or redis://, got {value.split('@')[-1]!r}")
    return value


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

    def flag(name: str, default: bool) -> bool:
        value = opt(name)
        return boolean(name, value) if value is not None else default

    d = DEFAULTS
    cache_url = _url("CIG_CACHE_URL", str(opt("CIG_CACHE_URL") or d.cache_url))
    assets = opt("CIG_GRAPHIQL_ASSETS_DIR")
    log_format = str(opt("CIG_LOG_FORMAT") or d.log_format).lower()
    if log_format not in LOG_FORMATS:
        raise SettingsError(f"CIG_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, got {log_format!r}")
    r, response_cache_url = d.response_cache, opt("CIG_RESPONSE_CACHE_URL")
    response_cache = ResponseCacheSettings(
        enabled=flag("CIG_RESPONSE_CACHE", r.enabled),
        url=_url("CIG_RESPONSE_CACHE_URL", str(response_cache_url)) if response_cache_url is not None else None,
        max_bytes=num("CIG_RESPONSE_CACHE_MAX_BYTES", r.max_bytes, int, 1024),
        max_entries=num("CIG_RESPONSE_CACHE_MAX_ENTRIES", r.max_entries, int, 1),
        max_entry_bytes=num("CIG_RESPONSE_CACHE_MAX_ENTRY_BYTES", r.max_entry_bytes, int, 1),
        honor_no_cache=flag("CIG_RESPONSE_CACHE_HONOR_NO_CACHE", r.honor_no_cache),
    )
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
        graphiql=flag("CIG_GRAPHIQL", d.graphiql),
        graphiql_assets_dir=Path(assets) if assets else None,
        log_level=str(opt("CIG_LOG_LEVEL") or d.log_level).upper(),
        log_format=log_format,
        cors_origins=_origins(opt("CIG_CORS_ORIGINS")),
        demo=boolean("CIG_DEMO", opt("CIG_DEMO") or False),
        response_cache=response_cache,
        compiled_execution=execution_mode(opt("CIG_COMPILED_EXECUTION")),
        # --- hostile clients (issue 18)
        max_upstream_calls=num("CIG_MAX_UPSTREAM_CALLS", d.max_upstream_calls, int),
        report_upstream_calls=flag("CIG_REPORT_UPSTREAM_CALLS", d.report_upstream_calls),
        introspection=flag("CIG_INTROSPECTION", d.introspection),
        field_suggestions=flag("CIG_FIELD_SUGGESTIONS", d.field_suggestions),
        max_body_bytes=num("CIG_MAX_BODY_BYTES", d.max_body_bytes, int, 1024),
        max_url_bytes=num("CIG_MAX_URL_BYTES", d.max_url_bytes, int, 256),
        max_document_bytes=num("CIG_MAX_DOCUMENT_BYTES", d.max_document_bytes, int, 64),
        max_tokens=num("CIG_MAX_TOKENS", d.max_tokens, int, 16),
        max_fragments=num("CIG_MAX_FRAGMENTS", d.max_fragments, int),
        max_directives=num("CIG_MAX_DIRECTIVES", d.max_directives, int),
        max_variables_bytes=num("CIG_MAX_VARIABLES_BYTES", d.max_variables_bytes, int, 2),
        max_json_depth=num("CIG_MAX_JSON_DEPTH", d.max_json_depth, int, 2),
        max_list_items=num("CIG_MAX_LIST_ITEMS", d.max_list_items, int, 1),
        rate_limit=num("CIG_RATE_LIMIT", d.rate_limit, float),
        rate_burst=num("CIG_RATE_BURST", d.rate_burst, int),
        memory_cache_max_entries=num("CIG_MEMORY_CACHE_MAX_ENTRIES", d.memory_cache_max_entries, int, 1),
        memory_cache_max_bytes=num("CIG_MEMORY_CACHE_MAX_BYTES", d.memory_cache_max_bytes, int, 1024),
    )


def execution_mode(value: Any) -> str:
    """`CIG_COMPILED_EXECUTION`: true (default) or false, or `shadow` to run both ways and compare."""
    if value is None or value == "":
        return "on"
    if str(value).strip().lower() == "shadow":
        return "shadow"
    return "on" if boolean("CIG_COMPILED_EXECUTION", value) else "off"
