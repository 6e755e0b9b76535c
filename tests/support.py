"""Helpers shared by the test suite: real servers on loopback, never mocks."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from providers.emulation import CallCounter, Faults
from providers.http import CallPolicy, Transport

# The shared-cache tests flush this Redis database before and after each test: give concurrent runs
# (several checkouts on one machine) a database each.
REDIS_TEST_URL = os.environ.get("CIG_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# Retries in tests wait milliseconds, not seconds; everything else is the production policy.
FAST_POLICY = CallPolicy(
    timeout_seconds=2.0, connect_timeout_seconds=1.0, backoff_base_seconds=0.01, backoff_max_seconds=0.05,
    max_retry_after_seconds=5.0,
)


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run an aiohttp app on 127.0.0.1 with a free port; yields its base URL."""
    # Pending handlers (a slow-answer fault) are cut 0.1 s into shutdown instead of being waited for.
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None and server.sockets  # type: ignore[attr-defined]
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@dataclass
class Emulated:
    """A provider emulator on loopback, with its fault settings and call counter in hand."""

    url: str
    faults: Faults
    counter: CallCounter


@asynccontextmanager
async def emulated(create_app: Callable[..., web.Application], **options: Any) -> AsyncIterator[Emulated]:
    """Serve a fresh emulator (`providers.<cloud>.emulator.create_app`); Retry-After waits are 10 ms."""
    faults, counter = Faults(retry_after_seconds=0.01), CallCounter()
    async with serve(create_app(faults=faults, counter=counter, **options)) as url:
        yield Emulated(url, faults, counter)


@asynccontextmanager
async def transport(policy: CallPolicy = FAST_POLICY) -> AsyncIterator[Transport]:
    async with aiohttp.ClientSession() as session:
        yield Transport(session=session, policy=policy)


def require_or_skip(available: bool, reason: str) -> None:
    """Skip when a real dependency is missing, except under CI, where its absence is a failure."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: this dependency must be installed)")
    pytest.skip(reason)
