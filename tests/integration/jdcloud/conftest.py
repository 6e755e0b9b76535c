from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from providers.catalog.jdcloud import default_catalog
from providers.emulation import CallCounter, Faults
from providers.jdcloud.client import JdcloudClient
from providers.jdcloud.emulator import create_app
from providers.jdcloud.signing import DEMO_CREDENTIALS
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
    async with serve(create_app(faults=faults, counter=counter)) as url:
        yield Emulator(url, faults, counter)


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[JdcloudClient]:
    async with transport() as t:
        yield JdcloudClient(t, DEMO_CREDENTIALS, vm_endpoint=emulator.url, disk_endpoint=emulator.url,
                            regions=default_catalog().regions)
