"""The Zenlayer ZEC client: DescribeZones, DescribeImages and DescribeDisks as an `ImageCatalog`.

Every call is `POST {base_url}/api/v2/zec` with the action in `x-zc-action`, signed by
`signing.sign` for each attempt (so a retried call carries a fresh timestamp), and sent through the
shared `Transport`, which owns timeouts, retries and size caps. The client holds credentials but
never reads the environment and never logs them.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ..base import ImagePage, ImageRecord, Location, VolumePage
from ..http import HttpRequest, HttpResponse, RateLimiter, Transport
from . import models, records
from .signing import ZenlayerCredentials, ZenlayerToken, sign

T = TypeVar("T")

DEFAULT_BASE_URL = "https://console.zenlayer.com"
API_VERSION = "2025-09-01"
SERVICE = "zec"
CONTENT_TYPE = "application/json"  # what the SDKs send and sign

# DescribeImages request fields in the SDK model's order, so our bodies read like the SDK's.
DESCRIBE_IMAGES_FIELDS = (
    "zoneId", "imageIds", "imageName", "category", "imageType", "imageSource", "osType", "imageStatus",
    "pageNum", "pageSize", "tagKeys", "tags",
)
DESCRIBE_DISKS_FIELDS = (
    "diskIds", "diskName", "diskStatus", "diskType", "diskCategory", "instanceId", "zoneId", "pageNum",
    "pageSize", "regionId", "snapshotAbility", "resourceGroupId", "tagKeys", "tags",
)


def _ordered(fields: Sequence[str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Known fields in model order, then anything else the caller passed (Zenlayer ignores unknowns)."""
    known = {name: values[name] for name in fields if name in values}
    return known | {k: v for k, v in values.items() if k not in known}


def account_key_of(credentials: ZenlayerCredentials | ZenlayerToken) -> str:
    """A short stable id for cache keys and metrics. For a token, a truncated hash cannot reveal it."""
    seed = (
        f"token:{credentials.token}" if isinstance(credentials, ZenlayerToken)
        else f"key:{credentials.access_key_id}"
    )
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:16]


class ZenlayerClient:
    provider = models.NAME
    page_size_min = 1
    page_size_max = models.PAGE_SIZE_MAX

    def __init__(
        self,
        transport: Transport,
        credentials: ZenlayerCredentials | ZenlayerToken,
        base_url: str = DEFAULT_BASE_URL,
        *,
        version: str = API_VERSION,
        zones: Sequence[str] | None = None,
        limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._transport = transport
        self._credentials = credentials
        self._url = base_url.rstrip("/") + f"/api/v2/{SERVICE}"
        self._host = urlsplit(base_url).netloc  # signed as sent: host[:port]
        self._version = version
        self._limiter = limiter
        self._clock = clock
        self.zones = tuple(zones) if zones is not None else None
        self.account_key = account_key_of(credentials)

    def __repr__(self) -> str:
        return f"ZenlayerClient(url={self._url!r}, account_key={self.account_key!r})"

    # --- ImageCatalog -----------------------------------------------------------------------------

    async def list_locations(self) -> list[Location]:
        """Zones sorted by id; with `zones` configured only those, and an unknown one is simply absent."""
        found = await self.describe_zones(self.zones)
        if self.zones is not None:
            wanted = set(self.zones)
            found = [zone for zone in found if zone.id in wanted]
        return sorted(found, key=lambda zone: zone.id)

    async def list_images(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> ImagePage:
        body = _ordered(DESCRIBE_IMAGES_FIELDS, {
            **params, "zoneId": location, "pageNum": page_number, "pageSize": page_size,
        })
        return await self._call(
            "DescribeImages", body, location,
            lambda response, request_id: records.parse_image_page(response, location, request_id),
        )

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]:
        """The images among `image_ids` that exist, in the order asked; one call per 1000 ids."""
        unique = list(dict.fromkeys(image_ids))
        if not unique:
            return []
        size = self.page_size_max
        chunks = [unique[start:start + size] for start in range(0, len(unique), size)]
        pages = await asyncio.gather(*(
            self.list_images(location, {"imageIds": chunk}, page_number=1, page_size=len(chunk)) for chunk in chunks
        ))
        by_id = {record.image_id: record for page in pages for record in page.records}
        return [by_id[image_id] for image_id in unique if image_id in by_id]

    async def list_volumes(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> VolumePage:
        body = _ordered(DESCRIBE_DISKS_FIELDS, {
            **params, "zoneId": location, "pageNum": page_number, "pageSize": page_size,
        })
        return await self._call(
            "DescribeDisks", body, location,
            lambda response, request_id: records.parse_volume_page(response, location, request_id),
        )

    async def probe(self) -> str:
        zones = await self.describe_zones()
        return f"DescribeZones answered with {len(zones)} zones"

    # --- other calls ------------------------------------------------------------------------------

    async def describe_zones(self, zone_ids: Sequence[str] | None = None) -> list[Location]:
        """DescribeZones as the API orders them (not paginated: one call lists every zone)."""
        body = {"zoneIds": list(zone_ids)} if zone_ids is not None else {}
        return await self._call("DescribeZones", body, None, lambda response, _: records.parse_zones(response))

    # --- plumbing ---------------------------------------------------------------------------------

    async def _call(
        self, action: str, body: Mapping[str, Any], location: str | None,
        read: Callable[[Mapping[str, Any], str | None], T],
    ) -> T:
        payload = models.serialize_request(body)

        def build() -> HttpRequest:
            headers = {
                "Content-Type": CONTENT_TYPE,
                "host": self._host,
                "x-zc-action": action,
                "x-zc-version": self._version,
                "x-zc-service": SERVICE,
            }
            headers |= sign(
                self._credentials, host=self._host, content_type=CONTENT_TYPE, body=payload,
                timestamp=int(self._clock()),
            )
            return HttpRequest("POST", self._url, headers, payload)

        def parse(response: HttpResponse) -> T:
            return read(*models.parse_envelope(response, action=action))

        return await self._transport.call(
            provider=models.PROVIDER, action=action, location=location, build=build, parse=parse,
            limiter=self._limiter,
        )


__all__ = ["API_VERSION", "DEFAULT_BASE_URL", "ZenlayerClient", "account_key_of"]
