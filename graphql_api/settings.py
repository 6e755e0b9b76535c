"""Settings, read and validated once at startup from the environment and an optional TOML file (`CIG_CONFIG`).

Each registered provider (`providers.registry`) reads its own section with its own variable names
(its spec's `env_prefix` and `toml_table`); service variables use the `CIG_` prefix. The TOML file
uses the same names, lower-cased, in tables (`[zenlayercloud] access_key_id = ...`, `[cig] cache_url
= ...`); the environment wins over the file, and an empty environment variable counts as unset.

A service setting is one declaration, a `Settings` field made with `setting(default, parser)`: its
variable is `CIG_` + the field name upper-cased, its TOML key the field name in `[cig]`, its default
the field default (defined once, `DEFAULTS`). Every value that is set is honoured as given, falsy
ones too (`cache_ttl = 0`, `graphiql = false`, `api_keys = []`).

Everything is checked before anything starts: a bad value, or values that contradict each other, is
`SettingsError` with a one-line message naming the variable and where it came from (the environment,
or the file, table and key). Variables with a settings prefix and file tables or keys that no setting
reads are kept as `Settings.warnings`, each with the nearest known name. Secrets are held in `Secret`,
whose repr is masked, so a logged settings object shows none.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from providers.base import ProviderName
from providers.config import (
    ConfigError,
    Lookup,
    Parser,
    Secret,
    boolean,
    choice,
    csv,
    integer,
    optional,
    real,
    string,
)
from providers.registry import PROVIDERS
from providers.spec import ProviderSettings
from resolvers.loaders import Limits

from .graphiql import find_assets

__all__ = ["DEFAULTS", "ResponseCacheSettings", "Secret", "Settings", "SettingsError", "execution_mode", "load"]

SERVICE_PREFIX = "CIG_"
SERVICE_TABLE = "cig"
CONFIG_VARIABLE = "CIG_CONFIG"  # names the TOML file; not a setting itself
TEST_PREFIX = "CIG_TEST_"  # reserved for the test suite's own variables (e.g. CIG_TEST_REDIS_URL)
ENVIRONMENT = "from the environment"
LOG_FORMATS = ("text", "json")
# A browser origin: scheme, host and optional port, nothing else (no path, no trailing slash).
ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")


class SettingsError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names the variable and its source."""


def setting(default: Any, parse: Parser) -> Any:
    """A service setting: `CIG_<FIELD>` / `[cig] <field>`, parsed by `parse`, `default` when unset."""
    return field(default=default, metadata={"parse": parse})


def _cache_url(name: str, value: Any) -> str:
    url = string(name, value)
    parts = urlsplit(url)
    shown = url.replace(f"{parts.username or ''}:{parts.password or ''}@", "***@") if "@" in parts.netloc else url
    if parts.scheme == "memory":
        return url
    if parts.scheme != "redis":
        raise ConfigError(f"{name} must be memory:// or redis://host:port/db, got {shown!r}", setting=name)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ConfigError(f"{name} has a port that is not a number: {shown!r}", setting=name) from None
    database = parts.path.strip("/")
    if not parts.hostname or (database and not database.isdigit()):
        raise ConfigError(f"{name} must be redis://host:port/db (db a number), got {shown!r}", setting=name)
    return url


def _assets_dir(name: str, value: Any) -> Path:
    """A directory holding every GraphiQL package the page loads, at its pinned version: a configured
    directory without them would serve a blank page."""
    from strawberry.http.ides import get_graphql_ide_html

    directory = Path(string(name, value))
    if not directory.is_dir():
        raise ConfigError(f"{name} must be an existing directory, got {str(directory)!r}", setting=name)
    problem = find_assets(directory, get_graphql_ide_html(graphql_ide="graphiql")).problem
    if problem:
        raise ConfigError(f"{problem}; point it at a node_modules directory holding the packages listed in the "
                          "README", setting=name)
    return directory


def _origins(name: str, value: Any) -> tuple[str, ...]:
    origins = csv(name, value)
    for origin in origins:
        if origin != "*" and not ORIGIN.fullmatch(origin):
            raise ConfigError(f"{name} entries must be * or scheme://host[:port] (no path), got {origin!r}",
                              setting=name)
    return tuple(o if o == "*" else o.lower() for o in origins)


def _api_keys(name: str, value: Any) -> tuple[Secret, ...]:
    return tuple(Secret(key) for key in csv(name, value))


def _execution_mode(name: str, value: Any) -> str:
    """True (on) or false (off), or `shadow`: execute both ways and compare."""
    if str(value).strip().lower() == "shadow":
        return "shadow"
    return "on" if boolean(name, value) else "off"


def execution_mode(value: Any) -> str:
    """`CIG_COMPILED_EXECUTION` as the loader reads it, for harnesses that build Settings by hand."""
    return "on" if value in (None, "") else _execution_mode(variable("compiled_execution"), value)


def _default_sections() -> dict[ProviderName, ProviderSettings]:
    return {spec.name: spec.load_settings(lambda name: None) for spec in PROVIDERS}


@dataclass(frozen=True, slots=True)
class ResponseCacheSettings:
    """Whole answers of repeated query operations (graphql_api.response_cache)."""

    enabled: bool = True
    url: str | None = None  # memory:// or redis://...; None: the provider cache's CIG_CACHE_URL
    max_bytes: int = 64 * 1024 * 1024  # memory backend: answers, keys and bookkeeping together
    max_entries: int = 10_000  # memory backend: answers held
    max_entry_bytes: int = 4 * 1024 * 1024  # a larger answer is served, never stored
    honor_no_cache: bool = True  # a request's `Cache-Control: no-cache` skips the cache
    hit_path: bool = True  # hits answered ahead of every middleware (graphql_api.hit_path); false: inside them


@dataclass(frozen=True, slots=True)
class Settings:
    # Each registered provider's section (its package's settings dataclass), by provider.
    providers: Mapping[ProviderName, ProviderSettings] = field(default_factory=_default_sections)
    # memory:// (per process) or redis://host:6379/0 to share across workers and restarts
    cache_url: str = setting("memory://", _cache_url)
    cache_ttl: float = setting(300.0, real(0))  # seconds a provider answer is reused; 0 turns the cache off
    api_keys: tuple[Secret, ...] = setting((), _api_keys)  # when set, /graphql requires `Authorization: Bearer <key>`
    default_page_size: int = setting(50, integer(1))
    max_page_size: int = setting(1000, integer(1))
    max_scan_items: int = setting(20_000, integer(1))
    max_node_ids: int = setting(100, integer(1))
    max_query_depth: int = setting(12, integer(1))
    max_aliases: int = setting(30, integer(1))
    upstream_timeout: float = setting(10.0, real(0.1))
    upstream_max_attempts: int = setting(4, integer(1))
    max_response_bytes: int = setting(16 * 1024 * 1024, integer(1024))
    operation_timeout: float = setting(5.0, real(0))  # seconds per operation for all its provider calls; 0 = none
    stale_if_error: float = setting(900.0, real(0))  # seconds past the TTL an answer is served when the provider fails
    stale_while_revalidate: float = setting(0.0, real(0))  # seconds past the TTL an answer is served while refreshed
    min_max_age: float = setting(5.0, real(0))  # the smallest `Cache-Control: max-age` a client may ask for
    breaker_failures: int = setting(5, integer(1))  # failed calls in a row that open a provider location's circuit
    breaker_open_seconds: float = setting(30.0, real(0.01))  # how long an open circuit skips calls before one probe
    quota_max_wait: float = setting(2.0, real(0))  # longest wait for a client-side quota slot
    graphiql: bool = setting(True, boolean)
    graphiql_assets_dir: Path | None = setting(None, _assets_dir)  # serve GraphiQL's JS/CSS from here (no CDN)
    log_level: str = setting("INFO", choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
    log_format: str = setting("text", choice(*LOG_FORMATS))  # or "json": one JSON object per line
    cors_origins: tuple[str, ...] = setting((), _origins)  # browser origins allowed cross-origin; "*" for any
    demo: bool = setting(False, boolean)  # forced demo mode; also on when no provider has credentials
    # "on", "off" or "shadow" (both ways, differences logged and counted; see graphql_api.execution)
    compiled_execution: str = setting("on", _execution_mode)
    # Whole answers of repeated queries: CIG_RESPONSE_CACHE and the CIG_RESPONSE_CACHE_* variables.
    response_cache: ResponseCacheSettings = field(default_factory=ResponseCacheSettings)
    # --- hostile clients: request limits, upstream-call budget, rate limits, production switches
    # provider calls one operation may plan (resolvers.plan); 0 = no budget
    max_upstream_calls: int = setting(200, integer(0))
    report_upstream_calls: bool = setting(False, boolean)  # every response's `extensions.upstreamCalls`
    introspection: bool = setting(True, boolean)  # `__schema` / `__type` queries
    field_suggestions: bool = setting(True, boolean)  # "Did you mean ...?" in validation errors (names schema fields)
    max_body_bytes: int = setting(1024 * 1024, integer(1024))  # a POST body; larger is 413 before it is read whole
    max_url_bytes: int = setting(16 * 1024, integer(256))  # a GET request's path and query string; longer is 414
    max_document_bytes: int = setting(64 * 1024, integer(64))  # the GraphQL document's text
    max_tokens: int = setting(5_000, integer(16))  # lexical tokens of the document
    max_fragments: int = setting(50, integer(0))  # fragment definitions per document
    max_directives: int = setting(50, integer(0))  # directive uses per document
    max_variables_bytes: int = setting(64 * 1024, integer(2))  # the variables' JSON
    max_json_depth: int = setting(16, integer(2))  # nesting of arrays and objects in variables and extensions
    max_list_items: int = setting(1_000, integer(1))  # entries of any one list in variables (imageIds, ids, ...)
    # requests per second per API key (or per client address without keys); 0 = none
    rate_limit: float = setting(0.0, real(0))
    rate_burst: int = setting(0, integer(0))  # requests a client may send at once above the rate; 0 = twice the rate
    memory_cache_max_entries: int = setting(10_000, integer(1))  # provider answers held by the memory:// cache
    memory_cache_max_bytes: int = setting(256 * 1024 * 1024, integer(1024))  # their pickled size, together
    # Nodes and pushdown verifications built once per answer the provider cache holds (providers.base.Memo)
    answer_memo: bool = setting(True, boolean)
    # Pages fresh in the memory:// cache taken at once, without the loaders' batch and a task per listing
    warm_reads: bool = setting(True, boolean)
    # What loading noticed without refusing: unknown variables, tables and keys, with the nearest known name.
    warnings: tuple[str, ...] = field(default=(), compare=False)
    # Where the settings suggested provider credentials were meant (a provider or unknown table in the
    # file, a provider variable in the environment): `check` fails when none were read from there.
    credential_hints: tuple[str, ...] = field(default=(), compare=False)

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
            answer_memo=self.answer_memo, warm_reads=self.warm_reads,
        )


DEFAULTS = Settings()
DECLARED = tuple(f for f in fields(Settings) if "parse" in f.metadata)


def variable(name: str) -> str:
    """The environment variable of a declared service setting."""
    return SERVICE_PREFIX + name.upper()


@dataclass(frozen=True, slots=True)
class _Value:
    value: Any
    origin: str  # "from the environment", or the file, table and key


@dataclass
class _Sources:
    """Every value that is set, keyed by variable name, with what the file held for the unknown checks."""

    values: dict[str, _Value] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # table -> its keys, as in the file
    loose: list[str] = field(default_factory=list)  # top-level keys outside any table
    path: str | None = None


def _tables() -> dict[str, str]:
    """TOML table -> the variable prefix its keys are read under."""
    return {**{spec.toml_table: spec.env_prefix for spec in PROVIDERS}, SERVICE_TABLE: SERVICE_PREFIX}


def _prefixes() -> tuple[str, ...]:
    return (*(spec.env_prefix for spec in PROVIDERS), SERVICE_PREFIX)


def _sources(env: Mapping[str, str]) -> _Sources:
    sources = _Sources()
    path = env.get(CONFIG_VARIABLE) or None
    if path:
        try:
            document = tomllib.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{CONFIG_VARIABLE}={path}: cannot read the settings file: {exc}") from None
        sources.path = path
        for table, content in document.items():
            if not isinstance(content, dict):
                sources.loose.append(table)
                continue
            sources.tables[table] = content
            prefix = _tables().get(table)
            if prefix is None:
                continue
            for key, value in content.items():
                sources.values[prefix + key.upper()] = _Value(value, f"from {path}, table [{table}], key {key}")
    for name, value in env.items():
        if name.startswith(_prefixes()) and value != "":
            sources.values[name] = _Value(value, ENVIRONMENT)
    return sources


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting. SettingsError names the offending variable and its source."""
    env = os.environ if env is None else env
    sources = _sources(env)
    asked: set[str] = {CONFIG_VARIABLE}

    def lookup(name: str) -> Any:
        asked.add(name)
        found = sources.values.get(name)
        return None if found is None else found.value

    try:
        settings = _load(lookup)
    except ConfigError as exc:
        raise SettingsError(_located(exc, sources)) from None
    warnings = _unknown(sources, asked, env)
    return replace(settings, warnings=tuple(warnings), credential_hints=_credential_hints(sources))


def _load(lookup: Lookup) -> Settings:
    providers = {spec.name: spec.load_settings(lookup) for spec in PROVIDERS}
    declared = {f.name: optional(lookup, variable(f.name), f.metadata["parse"], f.default) for f in DECLARED}
    settings = Settings(providers=providers, response_cache=_response_cache(lookup), **declared)
    _check_together(settings)
    return settings


def _response_cache(lookup: Lookup) -> ResponseCacheSettings:
    d, name = ResponseCacheSettings(), "CIG_RESPONSE_CACHE"
    return ResponseCacheSettings(
        enabled=optional(lookup, name, boolean, d.enabled),
        url=optional(lookup, f"{name}_URL", _cache_url, d.url),
        max_bytes=optional(lookup, f"{name}_MAX_BYTES", integer(1024), d.max_bytes),
        max_entries=optional(lookup, f"{name}_MAX_ENTRIES", integer(1), d.max_entries),
        max_entry_bytes=optional(lookup, f"{name}_MAX_ENTRY_BYTES", integer(1), d.max_entry_bytes),
        honor_no_cache=optional(lookup, f"{name}_HONOR_NO_CACHE", boolean, d.honor_no_cache),
        hit_path=optional(lookup, f"{name}_HIT_PATH", boolean, d.hit_path),
    )


def _check_together(settings: Settings) -> None:
    """Rules across settings, each naming the variable to change."""
    if settings.default_page_size > settings.max_page_size:
        raise ConfigError(
            f"{variable('default_page_size')} ({settings.default_page_size}) must not exceed "
            f"{variable('max_page_size')} ({settings.max_page_size})", setting=variable("default_page_size"),
        )
    if settings.max_page_size > settings.max_scan_items:
        raise ConfigError(
            f"{variable('max_page_size')} ({settings.max_page_size}) must not exceed "
            f"{variable('max_scan_items')} ({settings.max_scan_items}): a page filtered by the service could "
            "never be filled", setting=variable("max_page_size"),
        )


def _located(exc: ConfigError, sources: _Sources) -> str:
    """The error on one line, with where the offending value came from."""
    message = " ".join(str(exc).split())
    found = sources.values.get(exc.setting) if exc.setting else None
    if found is not None:
        return f"{message} ({found.origin})"
    return f"{message} ({exc.setting} is unset, so its default applies)" if exc.setting else message


def _nearest(name: str, known: set[str]) -> str:
    match = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {match[0]}?" if match else ""


def _unknown(sources: _Sources, asked: set[str], env: Mapping[str, str]) -> list[str]:
    """Names with a settings prefix (or in the file) that no setting reads."""
    warnings: list[str] = []
    for name in sorted(env):
        if name.startswith(_prefixes()) and name not in asked and not name.startswith(TEST_PREFIX):
            warnings.append(f"{name} in the environment is not a setting; it is ignored{_nearest(name, asked)}")
    tables = _tables()
    for table in sources.tables:
        if table not in tables:
            match = difflib.get_close_matches(table, sorted(tables), n=1, cutoff=0.5)
            hint = f"; did you mean [{match[0]}]?" if match else f"; known tables: {', '.join(sorted(tables))}"
            warnings.append(f"{sources.path}: table [{table}] is not a settings table; it is ignored{hint}")
            continue
        prefix = tables[table]
        known = {name[len(prefix):].lower() for name in asked if name.startswith(prefix)}
        for key in sources.tables[table]:
            if key.lower() not in known:
                hint = _nearest(key.lower(), known).replace("did you mean ", f"did you mean [{table}] ")
                warnings.append(f"{sources.path}: key {key} in table [{table}] is not a setting; it is ignored{hint}")
    for key in sources.loose:
        owners = [t for t, p in tables.items() if p + key.upper() in asked]
        hint = f"; did you mean [{owners[0]}] {key}?" if owners else ""
        warnings.append(f"{sources.path}: key {key} is outside any table; it is ignored{hint}")
    return warnings


def _credential_hints(sources: _Sources) -> tuple[str, ...]:
    provider_tables = {spec.toml_table for spec in PROVIDERS}
    hints = [f"table [{t}] in {sources.path}" for t in sources.tables if t != SERVICE_TABLE
             and (t in provider_tables or t not in _tables())]
    prefixes = tuple(spec.env_prefix for spec in PROVIDERS)
    hints += [f"{name} in the environment" for name, v in sources.values.items()
              if v.origin == ENVIRONMENT and name.startswith(prefixes)]
    return tuple(hints)
