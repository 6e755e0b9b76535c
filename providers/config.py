"""Reading a provider's settings section: value parsers shared by every provider package and the
service's own settings (`graphql_api.settings`), so each variable is parsed and named the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .base import ProviderName
from .http import Transport
from .quota import AccountQuota, Rule

Lookup = Callable[[str], Any]  # variable name -> its value (file or environment), None when unset


class ConfigError(ValueError):
    """A setting is missing, malformed or contradicts another; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Secret:
    """A credential; its repr is masked, so a logged settings object shows none."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    def __bool__(self) -> bool:
        return bool(self.value)


def csv(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else str(value).split(",")
    out = tuple(str(item).strip() for item in items if str(item).strip())
    return out or None


def number(name: str, value: Any, kind: type[int] | type[float], minimum: float = 0) -> Any:
    try:
        parsed = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if parsed < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}, got {parsed}")
    return parsed


def boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


def secret(lookup: Lookup, name: str) -> Secret | None:
    value = lookup(name)
    return Secret(str(value)) if value is not None else None


def rate_limit(lookup: Lookup, name: str) -> float | None:
    """Client-side calls per second for one account; None (unset) is unlimited."""
    value = lookup(name)
    return None if value is None else float(number(name, value, float, 0.001))


def http_url(name: str, url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {url!r}")
    return url


def action_rate_limits(lookup: Lookup, name: str) -> tuple[tuple[str, float], ...]:
    """`Action=rate,Action=rate` (calls per second per action) as pairs; none when unset."""
    pairs: list[tuple[str, float]] = []
    for item in csv(lookup(name)) or ():
        action, sep, rate = item.partition("=")
        if not sep or not action.strip():
            raise ConfigError(f"{name} takes Action=calls-per-second pairs, got {item!r}")
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
