from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from providers.emulation import CallCounter, Faults
from providers.zenlayer.client import ZenlayerClient
from providers.zenlayer.emulator import create_app
from providers.zenlayer.signing import DEMO_CREDENTIALS
from tests.support import serve, transport


@dataclass
class Emulator:
    url: str
    faults: Faults
    counter: CallCounter


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A fresh emulator on loopback per test: counters and faults start clean."""
    faults, counter = Faults(retry_after_seconds=0.01), CallCounter()
    async with serve(create_app(faults=faults, counter=counter, tokens=("demo-token",))) as url:
        yield Emulator(url, faults, counter)


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[ZenlayerClient]:
    async with transport() as t:
        yield ZenlayerClient(t, DEMO_CREDENTIALS, emulator.url)
