"""Reading a provider's settings section: value parsers shared by every provider package and the
service's own settings (`graphql_api.settings`), so each variable is parsed and named the same way.

A lookup returns a variable's value as its source holds it (environment: a string; TOML: a string,
number, boolean or list), or None when it is not set; an empty environment variable counts as unset.
Every value that is set is honoured as given, falsy ones too (`0`, `false`, `[]`): nothing silently
becomes a default. A bad value is `ConfigError` naming the variable (`setting`), so the loader can add
where the value came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .base import ProviderName
from .http import Transport
from .quota import AccountQuota, Rule

Lookup = Callable[[str], Any]  # variable name -> its value (file or environment), None when unset
Parser = Callable[[str, Any], Any]  # (variable name, value as given) -> the setting's value


class ConfigError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names the variable, `setting`."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True, slots=True)
class Secret:
    """A credential; its repr is masked, so a logged settings object shows none."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    def __bool__(self) -> bool:
        return bool(self.value)


def string(name: str, value: Any) -> str:
    """A non-empty string (a TOML number or list here is a mistake, not a value to coerce)."""
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string, got {value!r}", setting=name)
    if not value.strip():
        raise ConfigError(f"{name} must not be empty; leave it unset for the default", setting=name)
    return value.strip()


def csv(name: str, value: Any) -> tuple[str, ...]:
    """A list: a TOML array of strings or a comma-separated string. An empty list stays empty."""
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{name} must be a list of strings, got {value!r}", setting=name)
        items = value
    elif isinstance(value, str):
        items = value.split(",")
    else:
        raise ConfigError(f"{name} must be a list or a comma-separated string, got {value!r}", setting=name)
    return tuple(dict.fromkeys(item.strip() for item in items if item.strip()))


def non_empty_csv(name: str, value: Any) -> tuple[str, ...]:
    """A list that must hold at least one entry (an empty one would select nothing, silently)."""
    items = csv(name, value)
    if not items:
        raise ConfigError(f"{name} must list at least one entry; leave it unset for the default", setting=name)
    return items


def number(name: str, value: Any, kind: type[int] | type[float], minimum: float = 0) -> Any:
    """An int or float of at least `minimum`; `2.5` is not an int and `true` is not a number."""
    parsed: float | int
    try:
        if isinstance(value, bool):
            raise ValueError
        parsed = float(value.strip() if isinstance(value, str) else value)
        if not math.isfinite(parsed):
            raise ValueError
        if kind is int:
            if not parsed.is_integer():
                raise ValueError
            parsed = int(parsed)
    except (TypeError, ValueError):
        noun = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {noun}, got {value!r}", setting=name) from None
    if parsed < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}, got {parsed}", setting=name)
    return parsed


def integer(minimum: int) -> Parser:
    return lambda name, value: number(name, value, int, minimum)


def real(minimum: float) -> Parser:
    return lambda name, value: number(name, value, float, minimum)


def boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}", setting=name)


def choice(*allowed: str) -> Parser:
    """One of `allowed`, matched without regard to case; the result is the allowed spelling."""

    def parse(name: str, value: Any) -> str:
        text = string(name, value)
        for option in allowed:
            if text.lower() == option.lower():
                return option
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}", setting=name)

    return parse


def optional(lookup: Lookup, name: str, parse: Parser, default: Any = None) -> Any:
    """The parsed value of `name`, or `default` when it is not set."""
    value = lookup(name)
    return default if value is None else parse(name, value)


def secret(lookup: Lookup, name: str) -> Secret | None:
    return optional(lookup, name, lambda n, v: Secret(string(n, v)))  # type: ignore[no-any-return]


def rate_limit(lookup: Lookup, name: str) -> float | None:
    """Client-side calls per second for one account; None (unset) is unlimited."""
    return optional(lookup, name, real(0.001))  # type: ignore[no-any-return]


def http_url(name: str, value: Any) -> str:
    url = string(name, value)
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {url!r}", setting=name)
    return url


def action_rate_limits(lookup: Lookup, name: str) -> tuple[tuple[str, float], ...]:
    """`Action=rate,Action=rate` (calls per second per action) as pairs; none when unset."""
    return optional(lookup, name, _action_rates, ())  # type: ignore[no-any-return]


def _action_rates(name: str, value: Any) -> tuple[tuple[str, float], ...]:
    pairs: list[tuple[str, float]] = []
    for item in csv(name, value):
        action, sep, rate = item.partition("=")
        if not sep or not action.strip():
            raise ConfigError(f"{name} takes Action=calls-per-second pairs, got {item!r}", setting=name)
        pairs.append((action.strip(), float(number(name, rate.strip(), float, 0.001))))
    return tuple(pairs)


def limiter(
    transport: Transport, provider: ProviderName, account_key: str, rate: float | None,
    action_rates: tuple[tuple[str, float], ...] = (),
) -> AccountQuota:
    """The account's quota in the transport's store (Redis when configured: one quota for the fleet).

    Always one, also without limits: a 429 then still pauses the account on every replica. Burst 1:
    calls are spaced evenly, so no one-second window holds more than the rate.
    """
    return AccountQuota(
        transport.quota_store, provider.value, account_key, Rule(rate) if rate else None,
        {action: Rule(r) for action, r in action_rates},
    )
