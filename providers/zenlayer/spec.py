"""Zenlayer's registration: the one `SPEC` `providers.registry` lists."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from ..config import limiter
from ..errors import AuthFailedError, ProviderError
from ..http import Transport
from ..spec import ProviderSpec, RawParam
from . import config, emulator, models, pushdown
from .client import ZenlayerClient, account_key_of
from .signing import DEMO_CREDENTIALS, ZenlayerCredentials


def _client(transport: Transport, settings: config.ZenlayerSettings) -> ZenlayerClient:
    quota = limiter(transport, models.NAME, account_key_of(settings.credentials), settings.rate_limit,
                    settings.action_rate_limits)
    return ZenlayerClient(transport, settings.credentials, settings.base_url, zones=settings.zones, limiter=quota)


def _credentials(settings: config.ZenlayerSettings) -> ZenlayerCredentials:
    """The configured key pair, otherwise the demo one."""
    if settings.access_key_id and settings.access_key_password:
        return ZenlayerCredentials(settings.access_key_id, settings.access_key_password.value)
    return DEMO_CREDENTIALS


def _standalone(settings: config.ZenlayerSettings) -> web.Application:
    return emulator.create_app(credentials=(_credentials(settings),))


def _environment(settings: config.ZenlayerSettings, url: str) -> dict[str, str]:
    parts = urlsplit(url)
    credentials = _credentials(settings)
    demo = credentials == DEMO_CREDENTIALS
    return {
        "ZENLAYERCLOUD_SCHEME": parts.scheme, "ZENLAYERCLOUD_DOMAIN": parts.netloc,
        "ZENLAYERCLOUD_ACCESS_KEY_ID": credentials.access_key_id,
        "ZENLAYERCLOUD_ACCESS_KEY_PASSWORD": credentials.access_key_password if demo else "<as configured>",
    }


def _endpoint(settings: config.ZenlayerSettings) -> str:
    return settings.base_url + emulator.PATH


def _diagnose(error: ProviderError, settings: config.ZenlayerSettings) -> list[str]:
    hints = []
    if error.code == "NETWORK_ERROR" and settings.scheme == "https":
        hints.append("nothing answered over https: an emulator (and plain-HTTP proxies) needs "
                     "ZENLAYERCLOUD_SCHEME=http")
    if isinstance(error, AuthFailedError):
        hints.append("check ZENLAYERCLOUD_ACCESS_KEY_ID/_PASSWORD (or ZENLAYERCLOUD_ACCESS_TOKEN), and this "
                     "machine's clock: signed requests are refused when it is off by more than a few minutes")
    return hints


SPEC = ProviderSpec(
    name=models.NAME,
    title="Zenlayer",
    description="Zenlayer Elastic Compute (ZEC), API 2025-09-01.",
    toml_table="zenlayercloud",
    env_prefix="ZENLAYERCLOUD_",
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
        RawParam("category", "category", str, "`category`, e.g. `Ubuntu`, `CentOS`, `Windows`, `FreeBSD`, `OTHERS`."),
        RawParam("image_type", "imageType", str, "`imageType`: `PUBLIC_IMAGE` or `CUSTOM_IMAGE`."),
        RawParam("image_source", "imageSource", str, "`imageSource`: `OFFICIAL`, `MARKETING` or `CUSTOM`.",
                 selects="source"),
        RawParam("os_type", "osType", str, "`osType`: `windows`, `linux`, `bsd`, `android` or `any`."),
        RawParam("image_status", "imageStatus", str, "`imageStatus`, e.g. `AVAILABLE`, `CREATING`, `UNAVAILABLE`.",
                 selects="status"),
    ),
    image_params_description="Raw Zenlayer DescribeImages parameters, sent as given (and checked against "
                             "the answer).",
    volume_params=pushdown.volume_params,
    location_help="Zenlayer zone",
)
