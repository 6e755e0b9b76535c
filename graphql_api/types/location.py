"""Location: a Zenlayer zone or a JD Cloud region."""

from __future__ import annotations

import strawberry

from providers import base

from ..image_listing import images_field
from .enums import CloudProvider, from_provider
from .image import ImageConnection


@strawberry.type(description="A place images and volumes live: a Zenlayer zone (DescribeZones) or a configured JD "
                  "Cloud region.")
class Location:
    provider: CloudProvider = strawberry.field(description="The cloud of this location.")
    id: str = strawberry.field(description="Zenlayer `zoneId` (e.g. `asia-east-1a`) or JD Cloud `regionId` "
                               "(e.g. `cn-north-1`). Use it in `ImageFilter.locations` and `VolumeFilter.locations`.")
    name: str | None = strawberry.field(description="Display name: Zenlayer `zoneName`; for JD Cloud, which has no "
                                        "region listing API, the console's name of the region (e.g. `North China "
                                        "(Beijing)`), null for a region this service does not know.")
    region_id: str | None = strawberry.field(description="Zenlayer `regionId` the zone belongs to. Null for JD Cloud "
                                             "(`id` is the region).")
    city_name: str | None = strawberry.field(description="Zenlayer `cityName`; the JD Cloud region's city (e.g. "
                                             "`Beijing`).")
    country_code: str | None = strawberry.field(description="ISO 3166-1 alpha-2 country: Zenlayer `countryCode`; "
                                                "`CN` for the JD Cloud regions this service knows.")
    record: strawberry.Private[base.Location]
    images: ImageConnection = images_field(
        scoped=True,
        description="The images of this zone or region: `Query.images` with the filter narrowed to this location "
        "(empty when the filter excludes it). Fields of several locations share one operation's provider calls.",
    )

    @classmethod
    def from_record(cls, location: base.Location) -> Location:
        return cls(
            provider=from_provider(location.provider), id=location.id, name=location.name,
            region_id=location.region_id, city_name=location.city_name, country_code=location.country_code,
            record=location,
        )
