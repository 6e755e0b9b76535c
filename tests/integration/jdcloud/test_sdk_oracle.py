"""The official jdcloud-sdk clients (sync, requests) against the emulator: they sign, it verifies; it
answers, they parse."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from jdcloud_sdk.core.config import Config
from jdcloud_sdk.core.credential import Credential
from jdcloud_sdk.core.logger import ERROR, Logger
from jdcloud_sdk.services.disk.apis.DescribeDisksRequest import DescribeDisksParameters, DescribeDisksRequest
from jdcloud_sdk.services.disk.client.DiskClient import DiskClient
from jdcloud_sdk.services.vm.apis.DescribeImagesRequest import DescribeImagesParameters, DescribeImagesRequest
from jdcloud_sdk.services.vm.client.VmClient import VmClient

from providers.jdcloud.catalog import default_catalog
from providers.jdcloud.signing import DEMO_CREDENTIALS
from tests.support import Emulated

REGION = "cn-north-1"
QUIET = Logger(ERROR)  # the SDK prints every canonical request at INFO


def _config(emulator: Emulated) -> Config:
    return Config(endpoint=urlsplit(emulator.url).netloc, scheme="http", timeout=5)


def _credential(secret: str = DEMO_CREDENTIALS.secret_key) -> Credential:
    return Credential(DEMO_CREDENTIALS.access_key, secret)


def _images(**setters: Any) -> DescribeImagesRequest:
    parameters = DescribeImagesParameters(REGION)
    for name, value in setters.items():
        getattr(parameters, "set" + name[0].upper() + name[1:])(value)
    return DescribeImagesRequest(parameters)


async def test_the_sdk_lists_images_with_the_demo_credentials(emulator: Emulated) -> None:
    client = VmClient(_credential(), _config(emulator), QUIET)
    response = await asyncio.to_thread(client.send, _images(imageSource="public", pageSize=100))
    assert response.error is None and response.request_id
    images = response.result["images"]
    public = [r for r in default_catalog().images_by_region[REGION] if r["imageSource"] == "public"]
    assert response.result["totalCount"] == len(public)
    assert [i["imageId"] for i in images] == [r["imageId"] for r in public[:100]]
    assert images[0]["name"] == "CentOS 8.2 64位" and images[1]["name"] == "CentOS 7.6 64位"
    assert emulator.counter.by_action == {"describeImages": 1}


async def test_the_sdk_sends_python_booleans_and_id_lists(emulator: Emulated) -> None:
    client = VmClient(_credential(), _config(emulator), QUIET)
    offline = await asyncio.to_thread(client.send, _images(imageSource="public", offline=True, pageSize=100))
    assert offline.error is None
    assert offline.result["images"] and all(i["offline"] is True for i in offline.result["images"])
    by_ids = await asyncio.to_thread(client.send, _images(ids=["img-m5s0****29", "img-cn1pri0003"]))
    assert by_ids.error is None
    assert [i["imageId"] for i in by_ids.result["images"]] == ["img-m5s0****29", "img-cn1pri0003"]
    named = await asyncio.to_thread(client.send, _images(imageSource="private", imageName="测试 镜像"))
    assert [i["imageId"] for i in named.result["images"]] == ["img-cn1pri0004"]


async def test_the_sdk_gets_a_documented_parameter_error(emulator: Emulated) -> None:
    client = VmClient(_credential(), _config(emulator), QUIET)
    response = await asyncio.to_thread(client.send, _images(imageSource="public", pageSize=5))
    assert (response.error.code, response.error.status, response.error.message) == (
        400, "OUT_OF_RANGE", "PageSize out of range")


async def test_the_disk_sdk_filters_disks(emulator: Emulated) -> None:
    parameters = DescribeDisksParameters(REGION)
    parameters.setFilters([{"name": "status", "operator": "eq", "values": ["in-use", "available"]}])
    parameters.setTags([{"key": "env", "values": ["prod"]}])
    parameters.setPageSize(50)
    client = DiskClient(_credential(), _config(emulator), QUIET)
    response = await asyncio.to_thread(client.send, DescribeDisksRequest(parameters))
    assert response.error is None
    expected = [
        d["diskId"] for d in default_catalog().disks_by_region[REGION]
        if d["status"] in ("in-use", "available") and {"key": "env", "value": "prod"} in d["tags"]
    ]
    assert [d["diskId"] for d in response.result["disks"]] == expected and expected
    assert emulator.counter.by_action == {"describeDisks": 1}


async def test_the_sdk_with_wrong_keys_gets_401(emulator: Emulated) -> None:
    client = VmClient(_credential("not-the-secret"), _config(emulator), QUIET)
    response = await asyncio.to_thread(client.send, _images(imageSource="public"))
    assert response.result is None
    assert response.error.code == 401 and response.error.status == "UNAUTHENTICATED" and response.request_id
