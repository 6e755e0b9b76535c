"""The providers this service serves, in connection order: the one place a provider is registered.

To add a cloud, write its package with a `SPEC` (see `providers.spec.ProviderSpec` and ARCHITECTURE.md)
and add it to `PROVIDERS` below. A name this registry does not hold is `UnknownProviderError`, never a
fallback to another provider. `Registry.register` adds one at run time; the GraphQL schema reads the
registry when `graphql_api.types` is first imported, so register before that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .base import ProviderName
from .jdcloud.spec import SPEC as JDCLOUD
from .spec import ProviderSpec
from .zenlayer.spec import SPEC as ZENLAYER


class UnknownProviderError(LookupError):
    """A provider name no registered spec has."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(f"unknown provider {name!r}; known: {', '.join(known)}")
        self.name = name


class Registry:
    def __init__(self, specs: Iterable[ProviderSpec] = ()) -> None:
        self._specs: dict[str, ProviderSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ProviderSpec) -> None:
        if spec.name.value in self._specs:
            raise ValueError(f"provider {spec.name.value!r} is registered twice")
        clashes = [s.name.value for s in self._specs.values() if s.env_prefix == spec.env_prefix
                   or s.toml_table == spec.toml_table]
        if clashes:
            raise ValueError(f"provider {spec.name.value!r} reuses the settings names of {clashes[0]!r}")
        self._specs[spec.name.value] = spec

    def __iter__(self) -> Iterator[ProviderSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    @property
    def names(self) -> tuple[ProviderName, ...]:
        """Every provider, in connection order."""
        return tuple(spec.name for spec in self)

    def get(self, name: str | ProviderName) -> ProviderSpec:
        key = name.value if isinstance(name, ProviderName) else name
        try:
            return self._specs[key]
        except KeyError:
            raise UnknownProviderError(key, self._specs) from None

    def ordered(self, names: Iterable[ProviderName]) -> list[ProviderName]:
        """`names` in connection order; an unknown one is UnknownProviderError."""
        wanted = set(names)
        for name in wanted:
            self.get(name)
        return [name for name in self.names if name in wanted]


PROVIDERS = Registry([ZENLAYER, JDCLOUD])
