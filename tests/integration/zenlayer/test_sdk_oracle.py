"""The official zenlayercloud SDK (sync, requests) against the emulator: it must parse every answer."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest
from zenlayercloud.common.config import Config
from zenlayercloud.common.credential import Credential, TokenCredential
from zenlayercloud.common.excpetion.zenlayer_cloud_sdk_exception import ZenlayerCloudSdkException
from zenlayercloud.zec.v20250901 import models
from zenlayercloud.zec.v20250901.zec_client import ZecClient

from providers.zenlayer.catalog import SEED_IMAGES, default_catalog
from providers.zenlayer.signing import DEMO_CREDENTIALS
from tests.support import Emulated

ZONE = "asia-east-1a"


def sdk_client(emulator: Emulated, credential: Credential | TokenCredential | None = None) -> ZecClient:
    config = Config(scheme="http", domain=urlsplit(emulator.url).netloc, request_timeout=5,
                    rate_limit_retry_duration=lambda attempt: 0.01)
    return ZecClient(credential or Credential(DEMO_CREDENTIALS.access_key_id, DEMO_CREDENTIALS.access_key_password),
                     config)


def images_request(**fields: object) -> models.DescribeImagesRequest:
    request = models.DescribeImagesRequest()
    request._deserialize(fields)
    return request


async def test_the_sdk_lists_the_seed_example(emulator: Emulated) -> None:
    client = sdk_client(emulator)
    response = await asyncio.to_thread(client.DescribeImages, images_request(zoneId=ZONE, osType="linux", pageSize=3))
    assert [image.imageId for image in response.dataSet] == [r["imageId"] for r in SEED_IMAGES]
    assert response.dataSet[0].imageSize == "20" and response.dataSet[0].nicNetworkType == ["FailOver", "VirtioOnly"]
    assert response.requestId.startswith("T")
    assert emulator.counter.by_action == {"DescribeImages": 1}


async def test_the_sdk_reads_every_page_and_tag_shape(emulator: Emulated) -> None:
    client = sdk_client(emulator)
    for zone in default_catalog().zone_ids:
        response = await asyncio.to_thread(client.DescribeImages, images_request(zoneId=zone, pageSize=1000))
        assert response.totalCount == len(default_catalog().images_by_zone[zone])
        tagged = [i for i in response.dataSet if getattr(getattr(i, "tags", None), "tags", None)]
        assert tagged and all(tag.key for image in tagged for tag in image.tags.tags)


async def test_the_sdk_filters_by_a_name_with_odd_characters(emulator: Emulated) -> None:
    client = sdk_client(emulator)
    request = images_request(zoneId=ZONE, imageName="测试 镜像 a&b=c", tags=[{"key": "env", "value": "staging"}])
    response = await asyncio.to_thread(client.DescribeImages, request)
    assert [image.imageId for image in response.dataSet] == ["img-ae1a-0001"]


async def test_the_sdk_lists_zones_and_disks(emulator: Emulated) -> None:
    client = sdk_client(emulator)
    zones = await asyncio.to_thread(client.DescribeZones, models.DescribeZonesRequest())
    assert [z.zoneId for z in zones.zoneSet] == list(default_catalog().zone_ids)
    disks_request = models.DescribeDisksRequest()
    disks_request.zoneId = ZONE
    disks = await asyncio.to_thread(client.DescribeDisks, disks_request)
    assert [d.diskId for d in disks.dataSet] == [d["diskId"] for d in default_catalog().disks_by_zone[ZONE]]


async def test_the_sdk_with_a_token(emulator: Emulated) -> None:
    client = sdk_client(emulator, TokenCredential("demo-token"))
    response = await asyncio.to_thread(client.DescribeImages, images_request(zoneId=ZONE, pageSize=2))
    assert len(response.dataSet) == 2


async def test_the_sdk_gets_an_auth_error_with_wrong_keys(emulator: Emulated) -> None:
    client = sdk_client(emulator, Credential(DEMO_CREDENTIALS.access_key_id, "not-the-password"))
    with pytest.raises(ZenlayerCloudSdkException) as caught:
        await asyncio.to_thread(client.DescribeImages, images_request(zoneId=ZONE))
    assert caught.value.code == "SIGNATURE_INVALID"
    assert caught.value.request_id and caught.value.request_id.startswith("T")
    unknown = sdk_client(emulator, Credential("nobody", "nothing"))
    with pytest.raises(ZenlayerCloudSdkException) as caught:
        await asyncio.to_thread(unknown.DescribeImages, images_request(zoneId=ZONE))
    assert caught.value.code == "AUTH_FAILED"


async def test_the_sdk_sees_documented_errors(emulator: Emulated) -> None:
    client = sdk_client(emulator)
    with pytest.raises(ZenlayerCloudSdkException) as caught:
        await asyncio.to_thread(client.DescribeImages, images_request(zoneId="atlantis-1a"))
    assert caught.value.code == "INVALID_ZONE_NOT_FOUND"
    with pytest.raises(ZenlayerCloudSdkException) as caught:
        await asyncio.to_thread(client.DescribeImages, images_request(zoneId=ZONE, pageSize=1001))
    assert caught.value.code == "INVALID_PARAMETER_VALUE"


async def test_the_sdk_retries_our_throttle(emulator: Emulated) -> None:
    emulator.faults.queue("throttle")
    client = sdk_client(emulator)
    response = await asyncio.to_thread(client.DescribeImages, images_request(zoneId=ZONE, pageSize=1))
    assert len(response.dataSet) == 1
    assert emulator.counter.total == 2
