"""GraphQL enums. `CloudProvider` has a member per registered provider; the others mirror a normalized
enum of `providers.base` member for member (a unit test checks it) and document which raw provider
values map to each member."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import strawberry

from providers import base, operation
from providers.registry import PROVIDERS

if TYPE_CHECKING:
    class CloudProvider(enum.Enum):
        """One member per registered provider (built below from `providers.registry`)."""
else:
    # Built from the registry, so a provider registered there is a member here without an edit.
    CloudProvider = strawberry.enum(
        enum.Enum("CloudProvider", [
            (spec.name.name, strawberry.enum_value(spec.name.value, description=spec.description))
            for spec in PROVIDERS
        ]),
        description="A cloud this service reads: the provider of an image, a volume or a location.",
    )


@strawberry.enum(description="Operating system family, normalized. The provider's own value is in `osTypeRaw`.")
class OsType(enum.Enum):
    LINUX = strawberry.enum_value("LINUX", description="Zenlayer `linux`, JD Cloud `linux`.")
    WINDOWS = strawberry.enum_value("WINDOWS", description="Zenlayer `windows`, JD Cloud `windows`.")
    BSD = strawberry.enum_value("BSD", description="Zenlayer `bsd` (FreeBSD images).")
    ANDROID = strawberry.enum_value("ANDROID", description="Zenlayer `android`.")
    OTHER = strawberry.enum_value("OTHER", description="Anything else, e.g. Zenlayer `any` or an undocumented value.")


@strawberry.enum(description="Who publishes an image, normalized. The provider's own value is in `sourceRaw`.")
class ImageSource(enum.Enum):
    OFFICIAL = strawberry.enum_value(
        "OFFICIAL", description="Provided by the cloud: Zenlayer `OFFICIAL`, JD Cloud `public`."
    )
    MARKETPLACE = strawberry.enum_value(
        "MARKETPLACE", description="Marketplace images: Zenlayer `MARKETING`, JD Cloud `thirdparty`."
    )
    CUSTOM = strawberry.enum_value(
        "CUSTOM", description="The account's own images: Zenlayer `CUSTOM`, JD Cloud `private`."
    )
    SHARED = strawberry.enum_value("SHARED", description="Shared with this account by another: JD Cloud `shared`.")
    COMMUNITY = strawberry.enum_value("COMMUNITY", description="Community images: JD Cloud `community`.")
    OTHER = strawberry.enum_value("OTHER", description="An undocumented source value; see `sourceRaw`.")


@strawberry.enum(description="Lifecycle state, normalized. The provider's own value is in `statusRaw`.")
class ImageStatus(enum.Enum):
    AVAILABLE = strawberry.enum_value(
        "AVAILABLE", description="Usable to create instances: Zenlayer `AVAILABLE`, JD Cloud `ready`."
    )
    CREATING = strawberry.enum_value(
        "CREATING",
        description="Being built, copied or synced: Zenlayer `CREATING`, `SYNCING`, `PROCESSING`; "
        "JD Cloud `creating`, `copying`, `converting`, `pending`.",
    )
    UNAVAILABLE = strawberry.enum_value("UNAVAILABLE", description="Zenlayer `UNAVAILABLE`.")
    DELETING = strawberry.enum_value("DELETING", description="Zenlayer `DELETING`, JD Cloud `deleting`.")
    FAILED = strawberry.enum_value("FAILED", description="Zenlayer `FAILED`, JD Cloud `error*` values.")
    OTHER = strawberry.enum_value("OTHER", description="An undocumented status; see `statusRaw`.")


@strawberry.enum(description="A volume's lifecycle state, normalized. The provider's own value is in `statusRaw`.")
class VolumeStatus(enum.Enum):
    AVAILABLE = strawberry.enum_value("AVAILABLE", description="Ready and not attached: Zenlayer `AVAILABLE`, JD "
                                      "Cloud `available`.")
    IN_USE = strawberry.enum_value("IN_USE", description="Attached to an instance: Zenlayer `IN_USE`, JD Cloud "
                                   "`in-use`.")
    CREATING = strawberry.enum_value("CREATING", description="Zenlayer `CREATING`, JD Cloud `creating`.")
    ATTACHING = strawberry.enum_value("ATTACHING", description="Zenlayer `ATTACHING`, JD Cloud `attaching`.")
    DETACHING = strawberry.enum_value("DETACHING", description="Zenlayer `DETACHING`, JD Cloud `detaching`.")
    CHANGING = strawberry.enum_value("CHANGING", description="Being resized or restored: Zenlayer `CHANGING`, JD "
                                     "Cloud `extending`, `restoring`.")
    DELETING = strawberry.enum_value("DELETING", description="Zenlayer `DELETING`, `RECYCLING`; JD Cloud "
                                     "`deleting`.")
    RECYCLED = strawberry.enum_value("RECYCLED", description="In the recycle bin or deleted: Zenlayer `RECYCLED`, "
                                     "JD Cloud `in-recyclebin`, `deleted`.")
    FAILED = strawberry.enum_value("FAILED", description="Zenlayer `FAILED`, JD Cloud `error_*` values.")
    OTHER = strawberry.enum_value("OTHER", description="An undocumented status; see `statusRaw`.")


@strawberry.enum(description="Where a node's data came from, as served to this operation.")
class Freshness(enum.Enum):
    LIVE = strawberry.enum_value("LIVE", description="The provider answered during this operation.")
    CACHED = strawberry.enum_value(
        "CACHED", description="A provider answer from before this operation, within the cache TTL (`CIG_CACHE_TTL`) "
        "and the client's `Cache-Control: max-age`."
    )
    STALE = strawberry.enum_value(
        "STALE", description="An answer past the TTL, served because the provider failed (stale-if-error) or while "
        "it is refreshed (stale-while-revalidate); the source is listed in the response's `extensions.staleSources`."
    )


def freshness_of(record: base.ImageRecord | base.VolumeRecord) -> Freshness:
    return Freshness[operation.freshness_of(record, record.fetched_at).name]


def to_provider(value: CloudProvider) -> base.ProviderName:
    return PROVIDERS.get(str(value.value)).name


def from_provider(value: base.ProviderName) -> CloudProvider:
    return CloudProvider(value.value)
