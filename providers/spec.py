"""`ProviderSpec`: everything the service needs to know about one cloud, declared by its package.

Each provider package exposes one `SPEC` (in `providers/<cloud>/spec.py`); `providers.registry` lists
them. Settings, the client, demo mode, the CLI, the image filter's raw sub-input, image pushdown and
volume parameters all loop over the registry and read these fields; no code outside a provider's
package names that provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiohttp import web

from .base import ImageCatalog, Location, ProviderName
from .config import Lookup
from .emulation import CallCounter, Faults
from .errors import ProviderError
from .http import Transport
from .query import ImageQuery, Source, Trust, VolumeQuery


class ProviderSettings(Protocol):
    """One provider's settings section (a frozen dataclass in its package)."""

    @property
    def configured(self) -> bool:
        """True when credentials are set, so the service serves this provider."""
        ...


@dataclass(frozen=True, slots=True)
class RawParam:
    """A provider request parameter offered raw in the image filter's per-provider sub-input."""

    attribute: str  # the GraphQL input field, snake_case (camelCased in the schema)
    wire: str  # the provider's parameter name
    kind: type[str] | type[bool] | type[list[str]]
    description: str
    # What the parameter selects, when it is one of the normalized ideas: "source" (who publishes the
    # image) or "status" (whether it is usable). A query naming one opts out of that part of the
    # trusted, usable default of "pick one" listings (resolvers.choosing).
    selects: str | None = None


class EmulatorFactory(Protocol):
    def __call__(self, *, faults: Faults | None = ..., counter: CallCounter | None = ...) -> web.Application: ...


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: ProviderName
    title: str  # for people: logs, the CLI
    description: str  # the GraphQL `CloudProvider` enum value's description
    # Settings: a TOML table and the environment variable prefixes its keys are read under
    # (`[zenlayercloud] access_key_id` is `ZENLAYERCLOUD_ACCESS_KEY_ID`).
    toml_table: str
    env_prefix: str
    load_settings: Callable[[Lookup], ProviderSettings]
    create_client: Callable[[Transport, Any], ImageCatalog]  # (transport, its settings section)
    # Demo mode and tests: the emulator app (serving the package's demo catalog) and the settings
    # section that points at it with the demo credentials, keeping the operator's non-credential options.
    create_emulator: EmulatorFactory
    emulated_settings: Callable[[Any, str], ProviderSettings]  # (current section, emulator base URL)
    # CLI `emulate`: the emulator accepting the section's credentials (else the demo ones), and the
    # variables that point the service at it by URL (secrets shown only when they are the demo ones).
    standalone_emulator: Callable[[Any], web.Application]
    emulator_environment: Callable[[Any, str], Mapping[str, str]]
    # CLI `check`: where the section points (for people), and hints for a failed probe (common mistakes).
    endpoint_of: Callable[[Any], str]
    diagnose: Callable[[ProviderError, Any], list[str]]
    # Images: how a query becomes this provider's listings (pushdown, residual, partitions), given what the
    # service has learned not to push to it (`Trust`). Every raw parameter needs a test in its planner.
    plan_image_sources: Callable[[ImageQuery, Sequence[Location], Trust], list[Source]]
    image_params: tuple[RawParam, ...]
    image_params_description: str
    # Volumes: the provider's own disk listing parameters for a query (no paging).
    volume_params: Callable[[VolumeQuery], Mapping[str, Any]]
    location_help: str  # what a location is here, e.g. "Zenlayer zone"; for documentation
