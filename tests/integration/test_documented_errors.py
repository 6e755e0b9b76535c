"""Every error status either provider documents, injected by its emulator (`status:<CODE>`) and read by its
client into the right class of the error tree, code and status kept."""

from __future__ import annotations

from dataclasses import replace

import aiohttp
import pytest

from providers.errors import (
    AuthFailedError,
    BadRequestError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    UnavailableError,
)
from providers.jdcloud import emulator as jd_emulator
from providers.jdcloud.client import JdcloudClient
from providers.jdcloud.signing import DEMO_CREDENTIALS as JD_DEMO
from providers.zenlayer import emulator as zen_emulator
from providers.zenlayer.client import ZenlayerClient
from providers.zenlayer.signing import DEMO_CREDENTIALS as ZEN_DEMO
from tests.support import FAST_POLICY, emulated, transport

ONE_ATTEMPT = replace(FAST_POLICY, max_attempts=1)  # the injected answer itself, not a retry's


def expected_class(status: int) -> type[ProviderError]:
    if status == 404:
        return NotFoundError
    if status in (401, 403):
        return AuthFailedError
    if status == 429:
        return ThrottledError
    if status >= 500 or status == 499:
        return UnavailableError
    return BadRequestError


@pytest.mark.parametrize(("code", "status"), [(c, s) for c, (s, _) in jd_emulator.DOCUMENTED_ERRORS.items()])
async def test_every_documented_jdcloud_error(code: str, status: int) -> None:
    async with emulated(jd_emulator.create_app) as emulator, transport(ONE_ATTEMPT) as t:
        client = JdcloudClient(t, JD_DEMO, vm_endpoint=emulator.url, disk_endpoint=emulator.url,
                               regions=["cn-north-1"])
        emulator.faults.queue(f"status:{code}")
        with pytest.raises(ProviderError) as caught:
            await client.list_images("cn-north-1", {"imageSource": "public"}, page_number=1, page_size=10)
    assert type(caught.value) is expected_class(status)
    assert (caught.value.status, caught.value.code) == (status, code) and caught.value.request_id


@pytest.mark.parametrize(("code", "status"), [(c, s) for c, (s, _) in zen_emulator.DOCUMENTED_ERRORS.items()])
async def test_every_documented_zenlayer_error(code: str, status: int) -> None:
    async with emulated(zen_emulator.create_app) as emulator, transport(ONE_ATTEMPT) as t:
        client = ZenlayerClient(t, ZEN_DEMO, emulator.url)
        emulator.faults.queue(f"status:{code}")
        with pytest.raises(ProviderError) as caught:
            await client.list_images("asia-east-1a", {}, page_number=1, page_size=10)
    assert type(caught.value) is expected_class(status)
    assert (caught.value.status, caught.value.code) == (status, code) and caught.value.request_id


async def test_the_control_endpoint_takes_documented_statuses_only() -> None:
    async with emulated(jd_emulator.create_app) as emulator, aiohttp.ClientSession() as session:
        async with session.put(emulator.url + "/_emulator/faults", json={"script": ["status:UNKNOWN"]}) as answer:
            assert answer.status == 200 and (await answer.json())["script"] == ["status:UNKNOWN"]
        async with session.put(emulator.url + "/_emulator/faults", json={"script": ["status:TEAPOT"]}) as answer:
            assert answer.status == 400 and "TEAPOT" in (await answer.json())["error"]
        assert list(emulator.faults.script) == ["status:UNKNOWN"]  # the refused PUT changed nothing
