"""Filter inputs. Common filters are normalized; per-provider sub-inputs pass raw values through."""

from __future__ import annotations

import strawberry

from resolvers.filters import MAX_TAG_FILTERS

from .enums import CloudProvider, ImageSource, ImageStatus, OsType


@strawberry.input(description="Match images carrying tag `key` with value `value` (Zenlayer `tags`).")
class TagFilter:
    key: str = strawberry.field(description="Tag key, non-empty.")
    value: str = strawberry.field(description="Tag value to match exactly.")


@strawberry.input(
    description="Raw Zenlayer DescribeImages parameters, sent as given. They narrow Zenlayer images only; "
    "images of other providers are unaffected (use `providers` to select clouds)."
)
class ZenlayerImageFilter:
    category: str | None = strawberry.field(default=None, description="`category`, e.g. `Ubuntu`, `CentOS`, "
                                            "`Windows`, `FreeBSD`, `OTHERS`.")
    image_type: str | None = strawberry.field(default=None, description="`imageType`: `PUBLIC_IMAGE` or "
                                              "`CUSTOM_IMAGE`.")
    image_source: str | None = strawberry.field(default=None, description="`imageSource`: `OFFICIAL`, "
                                                "`MARKETING` or `CUSTOM`.")
    os_type: str | None = strawberry.field(default=None, description="`osType`: `windows`, `linux`, `bsd`, "
                                           "`android` or `any`.")
    image_status: str | None = strawberry.field(default=None, description="`imageStatus`, e.g. `AVAILABLE`, "
                                                "`CREATING`, `UNAVAILABLE`.")


@strawberry.input(
    description="Raw JD Cloud describeImages parameters, sent as given. They narrow JD Cloud images only; "
    "images of other providers are unaffected (use `providers` to select clouds)."
)
class JdcloudImageFilter:
    image_source: str | None = strawberry.field(default=None, description="`imageSource`: `public`, "
                                                "`thirdparty`, `private`, `shared` or `community`. When no "
                                                "source is given, every source is listed.")
    offline: bool | None = strawberry.field(default=None, description="`offline`: list images taken offline "
                                            "(true) or online (false). Meaningful for public and thirdparty "
                                            "images only.")
    platform: str | None = strawberry.field(default=None, description="`platform`: `Ubuntu`, `CentOS`, `Windows "
                                            "Server`.")
    root_device_type: str | None = strawberry.field(default=None, description="`rootDeviceType`: `localDisk` or "
                                                    "`cloudDisk`.")
    launch_permission: str | None = strawberry.field(default=None, description="`launchPermission` (private "
                                                     "images only): `specifiedUsers` or `ownerOnly`.")
    status: str | None = strawberry.field(default=None, description="`status`, e.g. `ready`.")
    architecture: str | None = strawberry.field(default=None, description="`architecture`: `x86_64` or `arm64`.")
    boot_mode: str | None = strawberry.field(default=None, description="`bootMode`: `bios` or `uefi`.")
    instance_ids: list[str] | None = strawberry.field(default=None, description="`instanceIds`: images created "
                                                      "from these instances (exact match).")
    service_code: str | None = strawberry.field(default=None, description="`serviceCode` (deprecated by JD "
                                                "Cloud).")


@strawberry.input(
    description="Which images to list. All given conditions must hold (AND). Conditions a provider can "
    "evaluate are sent to it; the rest are applied by this service, with exact counts and cursors."
)
class ImageFilter:
    providers: list[CloudProvider] | None = strawberry.field(default=None, description="Only these clouds.")
    locations: list[str] | None = strawberry.field(default=None, description="Only these Zenlayer zone ids or JD "
                                                   "Cloud region ids (see `locations`). Unknown ids are an error.")
    image_ids: list[str] | None = strawberry.field(default=None, description="Only these provider image ids "
                                                   "(Zenlayer `imageIds`, JD Cloud `ids`).")
    name: str | None = strawberry.field(default=None, description="Fuzzy name match, as both providers do it "
                                        "(Zenlayer `imageName`, JD Cloud `imageName`).")
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
                                                    f"these key=value tags (Zenlayer `tags`; at most "
                                                    f"{MAX_TAG_FILTERS}). JD Cloud images have no tags.")
    zenlayer: ZenlayerImageFilter | None = strawberry.field(default=None, description="Raw Zenlayer parameters.")
    jdcloud: JdcloudImageFilter | None = strawberry.field(default=None, description="Raw JD Cloud parameters.")
