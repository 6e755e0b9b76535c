"""Demo mode: every registered provider's emulator embedded in the service process, on loopback, free
ports, each serving its package's demo catalog.

The service then talks to them exactly as it would to the real APIs: over HTTP, signed with the
documented demo credentials (each spec's `emulated_settings`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace

from aiohttp import web

from providers.registry import PROVIDERS

from .settings import Settings


@dataclass(frozen=True)
class Embedded:
    urls: dict[str, str]  # provider value -> emulator base URL

    def settings(self, settings: Settings) -> Settings:
        """`settings` with every provider pointed at its emulator, with the demo credentials."""
        return replace(settings, providers={
            spec.name: spec.emulated_settings(settings.section(spec.name), self.urls[spec.name.value])
            for spec in PROVIDERS
        })


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
        yield Embedded(urls={spec.name.value: await _start(stack, spec.create_emulator(), host) for spec in PROVIDERS})
