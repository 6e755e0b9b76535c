"""Demo mode: both provider emulators embedded in the service process, on loopback, free ports.

The service then talks to them exactly as it would to the real APIs: over HTTP, signed with the
documented demo credentials.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from aiohttp import web

from providers.catalog.jdcloud import default_catalog as jdcloud_catalog
from providers.jdcloud.emulator import create_app as jdcloud_emulator
from providers.jdcloud.signing import DEMO_CREDENTIALS as JD_DEMO
from providers.zenlayer.emulator import create_app as zenlayer_emulator
from providers.zenlayer.signing import DEMO_CREDENTIALS as ZEN_DEMO

from .settings import JdcloudSettings, Secret, Settings, ZenlayerSettings


@dataclass(frozen=True)
class Embedded:
    urls: dict[str, str]
    jd_regions: tuple[str, ...]

    def settings(self, settings: Settings) -> Settings:
        """`settings` with both providers pointed at the emulators, with the demo credentials."""
        zen = urlsplit(self.urls["zenlayer"])
        return replace(
            settings,
            zenlayer=ZenlayerSettings(
                access_key_id=ZEN_DEMO.access_key_id, access_key_password=Secret(ZEN_DEMO.access_key_password),
                domain=zen.netloc, scheme=zen.scheme, rate_limit=settings.zenlayer.rate_limit,
            ),
            jdcloud=JdcloudSettings(
                access_key=JD_DEMO.access_key, secret_key=Secret(JD_DEMO.secret_key),
                vm_endpoint=self.urls["jdcloud"], disk_endpoint=self.urls["jdcloud"], regions=self.jd_regions,
                rate_limit=settings.jdcloud.rate_limit,
            ),
        )


async def _start(stack: AsyncExitStack, app: web.Application, host: str) -> str:
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, host, 0)
    await site.start()
    port = runner.addresses[0][1]
    return f"http://{host}:{port}"


@asynccontextmanager
async def emulators(host: str = "127.0.0.1") -> AsyncIterator[Embedded]:
    async with AsyncExitStack() as stack:
        urls = {
            "zenlayer": await _start(stack, zenlayer_emulator(), host),
            "jdcloud": await _start(stack, jdcloud_emulator(), host),
        }
        yield Embedded(urls=urls, jd_regions=tuple(sorted(jdcloud_catalog().regions)))
