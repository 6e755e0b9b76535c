"""JD Cloud's registration: the one `SPEC` `providers.registry` lists."""

from __future__ import annotations

from aiohttp import web

from ..config import limiter
from ..errors import AuthFailedError, NotFoundError, ProviderError
from ..http import Transport
from ..spec import ProviderSpec, RawParam
from . import config, emulator, models, pushdown
from .catalog import default_catalog
from .client import JdcloudClient, account_key_of
from .signing import DEMO_CREDENTIALS, JdcloudCredentials


def _client(transport: Transport, settings: config.JdcloudSettings) -> JdcloudClient:
    quota = limiter(transport, models.NAME, account_key_of(settings.credentials), settings.rate_limit,
                    settings.action_rate_limits)
    return JdcloudClient(
        transport, settings.credentials, vm_endpoint=settings.vm_endpoint, disk_endpoint=settings.disk_endpoint,
        regions=settings.regions, limiter=quota,
    )


def _credentials(settings: config.JdcloudSettings) -> JdcloudCredentials:
    """The configured key pair, otherwise the demo one."""
    return settings.credentials if settings.configured else DEMO_CREDENTIALS


def _standalone(settings: config.JdcloudSettings) -> web.Application:
    return emulator.create_app(credentials=(_credentials(settings),))


def _environment(settings: config.JdcloudSettings, url: str) -> dict[str, str]:
    credentials = _credentials(settings)
    demo = credentials == DEMO_CREDENTIALS
    return {
        "JDCLOUD_VM_ENDPOINT": url, "JDCLOUD_DISK_ENDPOINT": url,
        "JDCLOUD_REGIONS": ",".join(sorted(default_catalog().regions)),
        "JDCLOUD_ACCESS_KEY": credentials.access_key,
        "JDCLOUD_SECRET_KEY": credentials.secret_key if demo else "<as configured>",
    }


def _endpoint(settings: config.JdcloudSettings) -> str:
    return f"vm {settings.vm_endpoint}, disk {settings.disk_endpoint}"


def _diagnose(error: ProviderError, settings: config.JdcloudSettings) -> list[str]:
    hints = []
    if error.code == "NETWORK_ERROR" and "https://" in (settings.vm_endpoint + settings.disk_endpoint):
        hints.append("nothing answered over https: an emulator serves plain http, so its JDCLOUD_VM_ENDPOINT and "
                     "JDCLOUD_DISK_ENDPOINT start with http://")
    if isinstance(error, NotFoundError) and error.location:
        hints.append(f"region {error.location} is not known there: JDCLOUD_REGIONS must list regions this "
                     f"account uses (now {','.join(settings.regions)}; the emulator serves "
                     f"{','.join(sorted(default_catalog().regions))})")
    if isinstance(error, AuthFailedError):
        hints.append("check JDCLOUD_ACCESS_KEY/JDCLOUD_SECRET_KEY, and this machine's clock: signed requests are "
                     "refused when it is off by more than a few minutes")
    return hints


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
    standalone_emulator=_standalone,
    emulator_environment=_environment,
    endpoint_of=_endpoint,
    diagnose=_diagnose,
    plan_image_sources=pushdown.plan_image_sources,
    image_params=(
        RawParam("image_source", "imageSource", str, "`imageSource`: `public` (official), `thirdparty` "
                 "(marketplace), `private` (the account's own), `shared` (shared with it); the SDK also knows "
                 "`community`. When no source is given, every source the other conditions allow is listed. A value "
                 "not listed here is sent as given (JD Cloud's refusal comes back as BAD_USER_INPUT).",
                 selects="source"),
        RawParam("offline", "offline", bool, "`offline`: images taken offline (true) or still online (false). It only "
                 "has meaning for `public` and `thirdparty` images, so it limits the listing to those two sources "
                 "(with a private, shared or community source nothing matches, without a call). With `imageIds` JD "
                 "Cloud ignores it and this service applies it.", selects="status"),
        RawParam("platform", "platform", str, "`platform`: `Ubuntu`, `CentOS`, `Windows Server` (images also report "
                 "`Other Linux`, `Other Windows`)."),
        RawParam("root_device_type", "rootDeviceType", str, "`rootDeviceType`: `localDisk` or `cloudDisk`."),
        RawParam("launch_permission", "launchPermission", str, "`launchPermission`: `specifiedUsers` (shared with "
                 "other accounts) or `ownerOnly`. It only has meaning for `private` images, so it limits the listing "
                 "to that source (with any other source nothing matches, without a call)."),
        RawParam("status", "status", str, "`status`, e.g. `ready` (the only documented value; others seen: "
                 "`creating`, `copying`, `error`).", selects="status"),
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
