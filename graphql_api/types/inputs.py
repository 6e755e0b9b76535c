"""Filter inputs. Common filters are normalized; per-provider sub-inputs pass raw values through, one
per registered provider, built from its spec's `image_params` (so a new provider needs no edit here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry

from providers.registry import PROVIDERS
from providers.spec import ProviderSpec
from resolvers.filters import MAX_TAG_FILTERS

from .enums import CloudProvider, ImageSource, ImageStatus, OsType
from .os import OsFilter

CREATED_AFTER = ("Only {plural} created at or after this instant: an ISO 8601 date-time with a time zone, e.g. "
                 "`2024-05-01T00:00:00Z` or `2024-05-01T08:00:00+08:00`. {missing} No provider API filters by "
                 "creation time, so this service applies it (reading each selected source whole, at most "
                 "`CIG_MAX_SCAN_ITEMS` items).")
CREATED_BEFORE = ("Only {plural} created strictly before this instant (same format as `createdAfter`, and later "
                  "than it when both are given). {missing}")
FUZZY = ("Case-insensitive substring of the name, sent to the provider as its fuzzy match ({params}); no "
         "wildcards or patterns.")


@strawberry.input(description="Match resources carrying tag `key`, with value `value` when it is given.")
class TagFilter:
    key: str = strawberry.field(description="Tag key, non-empty.")
    value: str | None = strawberry.field(default=None, description="Tag value to match exactly; omitted or null: "
                                         "the key with any value.")


def _raw_input(spec: ProviderSpec) -> type:
    """A provider's raw image parameters as an input type, from its spec's `image_params`."""
    namespace: dict[str, Any] = {"__annotations__": {p.attribute: p.kind | None for p in spec.image_params}}
    for param in spec.image_params:
        namespace[param.attribute] = strawberry.field(default=None, description=param.description)
    cls = type(f"{spec.name.value.capitalize()}ImageFilter", (), namespace)
    return strawberry.input(cls, description=f"{spec.image_params_description} They narrow {spec.title} images "
                            "only; images of other providers are unaffected (use `providers` to select clouds).")


class ImageFilterBase:
    """The conditions every provider understands; `ImageFilter` adds one raw sub-input per provider."""

    providers: list[CloudProvider] | None = strawberry.field(default=None, description="Only these clouds.")
    locations: list[str] | None = strawberry.field(default=None, description="Only these Zenlayer zone ids or JD "
                                                   "Cloud region ids (see `locations`). Unknown ids are an error.")
    image_ids: list[str] | None = strawberry.field(default=None, description="Only these provider image ids "
                                                   "(Zenlayer `imageIds`, JD Cloud `ids`).")
    name: str | None = strawberry.field(default=None, description=FUZZY.format(
        params="Zenlayer `imageName`, JD Cloud `imageName`"))
    os_type: OsType | None = strawberry.field(default=None, description="Operating system family.")
    platform: str | None = strawberry.field(default=None, description="Exact OS distribution: Zenlayer "
                                            "`category`, JD Cloud `platform`.")
    source: ImageSource | None = strawberry.field(default=None, description="Who publishes the image.")
    status: ImageStatus | None = strawberry.field(default=None, description="Lifecycle state.")
    architecture: str | None = strawberry.field(default=None, description="Exact CPU architecture (JD Cloud "
                                                "`architecture`). Zenlayer images have none, so they never match.")
    tag_keys: list[str] | None = strawberry.field(default=None, description=f"Images carrying at least one of "
                                                  f"these tag keys (Zenlayer `tagKeys`; at most "
                                                  f"{MAX_TAG_FILTERS}). JD Cloud images have no tags.")
    tags: list[TagFilter] | None = strawberry.field(default=None, description=f"Images carrying every one of "
                                                    f"these tags (at most {MAX_TAG_FILTERS}): key=value pairs are "
                                                    "Zenlayer `tags`; a key without a value matches the key with any "
                                                    "value (applied by this service). JD Cloud images have no tags.")
    created_after: str | None = strawberry.field(default=None, description=CREATED_AFTER.format(
        plural="images", missing="Images without a creation time (every Zenlayer image) never match."))
    created_before: str | None = strawberry.field(default=None, description=CREATED_BEFORE.format(
        plural="images", missing="Images without a creation time never match."))
    sources: list[ImageSource] | None = strawberry.field(default=None, description="Images of any of these "
                                                        "sources (with `source`, both must hold). Naming sources "
                                                        "here lifts the trusted default of `distinctOn`.")
    os: OsFilter | None = strawberry.field(default=None, description="Operating system identity (`Image.os`): "
                                           "family, version, least version; the same on every provider.")


def _image_filter() -> type:
    namespace: dict[str, Any] = {"__annotations__": {}}
    for spec in PROVIDERS:
        namespace["__annotations__"][spec.name.value] = _raw_input(spec) | None
        namespace[spec.name.value] = strawberry.field(default=None, description=f"Raw {spec.title} parameters.")
    return strawberry.input(
        type("ImageFilter", (strawberry.input(ImageFilterBase),), namespace),
        description="Which images to list. All given conditions must hold (AND). Conditions a provider can "
        "evaluate are sent to it; the rest are applied by this service, with exact counts and cursors.",
    )


if TYPE_CHECKING:
    ImageFilter = ImageFilterBase
else:
    ImageFilter = _image_filter()


@strawberry.input(description="Which disk volumes to list. All given conditions must hold (AND); providers "
                  "evaluate every one of them except the created range, which this service applies.")
class VolumeFilter:
    providers: list[CloudProvider] | None = strawberry.field(default=None, description="Only these clouds.")
    locations: list[str] | None = strawberry.field(default=None, description="Only these zone or region ids.")
    volume_ids: list[str] | None = strawberry.field(default=None, description="Only these provider disk ids "
                                                    "(`Volume.volumeId`; Zenlayer `diskIds`, JD Cloud `diskId` "
                                                    "filter).")
    name: str | None = strawberry.field(default=None, description=FUZZY.format(
        params="Zenlayer `diskName`, JD Cloud `name` filter"))
    instance_id: str | None = strawberry.field(default=None, description="Volumes attached to this instance.")
    status: str | None = strawberry.field(default=None, description="The provider's raw status, e.g. Zenlayer "
                                          "`IN_USE`, JD Cloud `in-use`.")
    tags: list[TagFilter] | None = strawberry.field(default=None, description="Volumes carrying every one of "
                                                    f"these tags (at most {MAX_TAG_FILTERS}); a key without a value "
                                                    "matches the key with any value.")
    created_after: str | None = strawberry.field(default=None, description=CREATED_AFTER.format(
        plural="volumes", missing="Volumes without a creation time never match."))
    created_before: str | None = strawberry.field(default=None, description=CREATED_BEFORE.format(
        plural="volumes", missing="Volumes without a creation time never match."))
