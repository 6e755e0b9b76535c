from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from providers.jdcloud.catalog import default_catalog
from providers.jdcloud.client import JdcloudClient
from providers.jdcloud.emulator import create_app
from providers.jdcloud.signing import DEMO_CREDENTIALS
from tests.support import Emulated, emulated, transport


@pytest.fixture
async def emulator() -> AsyncIterator[Emulated]:
    """A fresh emulator on loopback per test: counters and faults start clean."""
    async with emulated(create_app) as running:
        yield running


@pytest.fixture
async def client(emulator: Emulated) -> AsyncIterator[JdcloudClient]:
    async with transport() as t:
        yield JdcloudClient(t, DEMO_CREDENTIALS, vm_endpoint=emulator.url, disk_endpoint=emulator.url,
                            regions=default_catalog().regions_with_images)
