from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from providers.zenlayer.client import ZenlayerClient
from providers.zenlayer.emulator import create_app
from providers.zenlayer.signing import DEMO_CREDENTIALS
from tests.support import Emulated, emulated, transport


@pytest.fixture
async def emulator() -> AsyncIterator[Emulated]:
    """A fresh emulator on loopback per test: counters and faults start clean."""
    async with emulated(create_app, tokens=("demo-token",)) as running:
        yield running


@pytest.fixture
async def client(emulator: Emulated) -> AsyncIterator[ZenlayerClient]:
    async with transport() as t:
        yield ZenlayerClient(t, DEMO_CREDENTIALS, emulator.url)
