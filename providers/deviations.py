"""Deviations: an emulator switched to depart from its documented behaviour the way a real API might.

Both emulators take an optional `Deviations` (`create_app(deviations=...)`) and pass every image
listing's parameters through it before filtering:

    ignored          parameters read as if they were absent (an API that drops them)
    misread          parameter -> the value the emulator reads instead (an API that means something else)
    refused          parameters answered 400 as invalid (an API that does not know them)
    refused_values   parameter -> values answered 400 as invalid (e.g. JD Cloud `imageSource=community`)

`received` keeps each listing's parameters as sent, before any deviation, so tests can see what the
service asked for. Tests use this to prove the service stays exact when a provider drifts; the
service's own emulators (demo mode, `emulate`) never deviate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Refused(Exception):
    """A deviation refuses this parameter; the emulator answers its own 400 envelope naming it."""

    def __init__(self, param: str, value: Any = None) -> None:
        super().__init__(param)
        self.param = param
        self.value = value


@dataclass
class Deviations:
    ignored: set[str] = field(default_factory=set)
    misread: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    refused_values: dict[str, set[str]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Record `params`, raise Refused for a refused one, and return what the emulator reads."""
        self.received.append(dict(params))
        for name, value in params.items():
            if name in self.refused:
                raise Refused(name)
            if isinstance(value, str) and value in self.refused_values.get(name, ()):
                raise Refused(name, value)
        return {
            name: self.misread[name](value) if name in self.misread else value
            for name, value in params.items() if name not in self.ignored
        }

    def sent(self, param: str) -> list[Any]:
        """The values of `param` in the listings received, in order (absent ones left out)."""
        return [params[param] for params in self.received if param in params]


__all__ = ["Deviations", "Refused"]
