"""Zenlayer's registration: the one `SPEC` `providers.registry` lists."""

from __future__ import annotations

import logging

from ..config import limiter
from ..http import Transport
from ..spec import ProviderSpec, RawParam
from . import config, emulator, models, pushdown
from .client import ZenlayerClient, account_key_of
from .signing import DEMO_CREDENTIALS, ZenlayerCredentials

log = logging.getLogger("providers.zenlayer")


def _client(transport: Transport, settings: config.ZenlayerSettings) -> ZenlayerClient:
    quota = limiter(transport, models.NAME, account_key_of(settings.credentials), settings.rate_limit,
                    settings.action_rate_limits)
    return ZenlayerClient(transport, settings.credentials, settings.base_url, zones=settings.zones, limiter=quota)


def _run_emulator(host: str, port: int, settings: config.ZenlayerSettings) -> None:
    """Accept the configured key pair, otherwise the demo one."""
    credentials = (
        ZenlayerCredentials(settings.access_key_id, settings.access_key_password.value)
        if settings.access_key_id and settings.access_key_password else DEMO_CREDENTIALS
    )
    log.info("Zenlayer ZEC emulator on http://%s:%d%s (access key id %s)",
             host, port, emulator.PATH, credentials.access_key_id)
    emulator.run(host, port, credentials)


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
    run_emulator=_run_emulator,
    plan_image_sources=pushdown.plan_image_sources,
    image_params=(
        RawParam("category", "category", str, "`category`, e.g. `Ubuntu`, `CentOS`, `Windows`, `FreeBSD`, `OTHERS`."),
        RawParam("image_type", "imageType", str, "`imageType`: `PUBLIC_IMAGE` or `CUSTOM_IMAGE`."),
        RawParam("image_source", "imageSource", str, "`imageSource`: `OFFICIAL`, `MARKETING` or `CUSTOM`."),
        RawParam("os_type", "osType", str, "`osType`: `windows`, `linux`, `bsd`, `android` or `any`."),
        RawParam("image_status", "imageStatus", str, "`imageStatus`, e.g. `AVAILABLE`, `CREATING`, `UNAVAILABLE`."),
    ),
    image_params_description="Raw Zenlayer DescribeImages parameters, sent as given (and checked against "
                             "the answer).",
    volume_params=pushdown.volume_params,
    location_help="Zenlayer zone",
)
