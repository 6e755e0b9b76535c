"""JD Cloud's registration: the one `SPEC` `providers.registry` lists."""

from __future__ import annotations

import logging

from ..config import limiter
from ..http import Transport
from ..spec import ProviderSpec, RawParam
from . import config, emulator, models, pushdown
from .client import JdcloudClient, account_key_of
from .signing import DEMO_CREDENTIALS

log = logging.getLogger("providers.jdcloud")


def _client(transport: Transport, settings: config.JdcloudSettings) -> JdcloudClient:
    quota = limiter(transport, models.NAME, account_key_of(settings.credentials), settings.rate_limit,
                    settings.action_rate_limits)
    return JdcloudClient(
        transport, settings.credentials, vm_endpoint=settings.vm_endpoint, disk_endpoint=settings.disk_endpoint,
        regions=settings.regions, limiter=quota,
    )


def _run_emulator(host: str, port: int, settings: config.JdcloudSettings) -> None:
    """Accept the configured key pair, otherwise the demo one."""
    credentials = settings.credentials if settings.configured else DEMO_CREDENTIALS
    log.info("JD Cloud vm+disk emulator on http://%s:%d/v1 (access key %s)", host, port, credentials.access_key)
    emulator.run(host, port, credentials)


SPEC = ProviderSpec(
    name=models.NAME,
    title="JD Cloud",
    description="JD Cloud Virtual Machines (vm) and Cloud Disk (disk).",
    toml_table="jdcloud",
    env_prefix="JDCLOUD_",
    load_settings=config.load,
    create_client=_client,
    create_emulator=emulator.create_app,
    emulated_settings=config.emulated,
    run_emulator=_run_emulator,
    plan_image_sources=pushdown.plan_image_sources,
    image_params=(
        RawParam("image_source", "imageSource", str, "`imageSource`: `public` (official), `thirdparty` "
                 "(marketplace), `private` (the account's own), `shared` (shared with it); the SDK also knows "
                 "`community`. When no source is given, every source the other conditions allow is listed. A value "
                 "not listed here is sent as given (JD Cloud's refusal comes back as BAD_USER_INPUT)."),
        RawParam("offline", "offline", bool, "`offline`: images taken offline (true) or still online (false). It only "
                 "has meaning for `public` and `thirdparty` images, so it limits the listing to those two sources "
                 "(with a private, shared or community source nothing matches, without a call). With `imageIds` JD "
                 "Cloud ignores it and this service applies it."),
        RawParam("platform", "platform", str, "`platform`: `Ubuntu`, `CentOS`, `Windows Server` (images also report "
                 "`Other Linux`, `Other Windows`)."),
        RawParam("root_device_type", "rootDeviceType", str, "`rootDeviceType`: `localDisk` or `cloudDisk`."),
        RawParam("launch_permission", "launchPermission", str, "`launchPermission`: `specifiedUsers` (shared with "
                 "other accounts) or `ownerOnly`. It only has meaning for `private` images, so it limits the listing "
                 "to that source (with any other source nothing matches, without a call)."),
        RawParam("status", "status", str, "`status`, e.g. `ready` (the only documented value; others seen: "
                 "`creating`, `copying`, `error`)."),
        RawParam("architecture", "architecture", str, "`architecture`: `x86_64`, `arm64` (older images `i386`)."),
        RawParam("boot_mode", "bootMode", str, "`bootMode`: `bios` or `uefi`."),
        RawParam("instance_ids", "instanceIds", list[str], "`instanceIds`: images created from these instances "
                 "(exact match)."),
        RawParam("service_code", "serviceCode", str, "`serviceCode` (deprecated by JD Cloud)."),
    ),
    image_params_description="Raw JD Cloud describeImages parameters, sent as given (and checked against "
                             "the answer).",
    volume_params=pushdown.volume_params,
    location_help="JD Cloud region",
)
