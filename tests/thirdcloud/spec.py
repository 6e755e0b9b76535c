"""The third cloud's ProviderSpec: what `providers.registry` needs, nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from providers.base import ImageSource, Location
from providers.config import Lookup, Secret, optional, secret, string
from providers.http import Transport
from providers.query import ImageQuery, Origin, Plan, Source, Trust, VolumeQuery, among, equals, same
from providers.spec import ProviderSpec, RawParam

from . import catalog, emulator
from .client import NAME, ThirdClient


@dataclass(frozen=True, slots=True)
class ThirdSettings:
    url: str = "https://api.thirdcloud.invalid"
    token: Secret | None = None

    @property
    def configured(self) -> bool:
        return bool(self.token)


def load(lookup: Lookup) -> ThirdSettings:
    url = optional(lookup, "THIRDCLOUD_URL", string, ThirdSettings.url)
    return ThirdSettings(url=url, token=secret(lookup, "THIRDCLOUD_TOKEN"))


def emulated(settings: Any, url: str) -> ThirdSettings:
    return replace(settings, url=url, token=Secret(catalog.DEMO_TOKEN))


def client(transport: Transport, settings: ThirdSettings) -> ThirdClient:
    return ThirdClient(transport, settings.url, settings.token.value if settings.token else "")


TESTS = {"ids": among("image_id"), "family": same("platform")}


def plan_image_sources(query: ImageQuery, locations: Sequence[Location], trust: Trust) -> list[Source]:
    """ids and `family` (the raw sub-input, or `platform`) are pushed down; everything else is residual."""
    if query.tags or query.tag_keys or query.architecture:
        return []
    if query.source not in (None, ImageSource.OFFICIAL, ImageSource.CUSTOM):
        return []
    plan = Plan(trust, TESTS)
    for param, value in query.raw_for(NAME).items():
        plan.push(param, value, Origin.RAW)
    plan.push("ids", list(query.image_ids) if query.image_ids else None, Origin.FILTER)
    plan.push("family", query.platform, Origin.FILTER)
    if plan.impossible:
        return []
    for attribute, value in (("os_type", query.os_type), ("source", query.source), ("status", query.status)):
        if value is not None:
            plan.keep(equals(attribute, value))
    if query.name is not None:
        name = query.name.lower()
        plan.keep(lambda record: name in record.name.lower())
    return [plan.source(NAME, loc.id) for loc in locations]


def volume_params(query: VolumeQuery) -> dict[str, Any]:
    params = {"ids": list(query.volume_ids) if query.volume_ids else None, "state": query.status}
    return {k: v for k, v in params.items() if v is not None}


def _environment(settings: Any, url: str) -> dict[str, str]:
    return {"THIRDCLOUD_URL": url, "THIRDCLOUD_TOKEN": catalog.DEMO_TOKEN}


SPEC = ProviderSpec(
    name=NAME,
    title="Third Cloud",
    description="A test-only third cloud, registered through the registry alone.",
    toml_table="thirdcloud",
    env_prefix="THIRDCLOUD_",
    load_settings=load,
    create_client=client,
    create_emulator=emulator.create_app,
    emulated_settings=emulated,
    standalone_emulator=lambda settings: emulator.create_app(),
    emulator_environment=_environment,
    endpoint_of=lambda settings: settings.url,
    diagnose=lambda error, settings: [],
    plan_image_sources=plan_image_sources,
    image_params=(RawParam("family", "family", str, "`family`, e.g. `debian`."),),
    image_params_description="Raw Third Cloud ListImages parameters, sent as given.",
    volume_params=volume_params,
    location_help="Third Cloud region",
)
