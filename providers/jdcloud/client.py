"""The JD Cloud client: vm describeImages and disk describeDisks.

Every call is a GET with its parameters in the query string (`models.encode_query`), signed by
`signing.sign` for each attempt (a retry carries a fresh date and nonce) with the path's region and
the endpoint's service (vm or disk), and sent through the shared `Transport`, which owns timeouts,
retries and size caps. JD Cloud has no region listing call: the configured regions are the
locations. The client holds credentials but never reads the environment and never logs them.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from ..base import ImagePage, ImageRecord, Location, VolumePage
from ..http import HttpRequest, HttpResponse, RateLimiter, Transport
from . import models, records
from .models import encode_path_segment as _segment
from .signing import JdcloudCredentials, sign

T = TypeVar("T")

DEFAULT_VM_ENDPOINT = "https://vm.jdcloud-api.com"
DEFAULT_DISK_ENDPOINT = "https://disk.jdcloud-api.com"
CONTENT_TYPE = "application/json"  # the SDKs send and sign it on GET too
USER_AGENT = "cloud-images-graphql"

# describeImages parameters in the SDK's order (paging is added by the client).
DESCRIBE_IMAGES_PARAMS = (
    "imageSource", "offline", "platform", "ids", "imageName", "rootDeviceType", "launchPermission", "status",
    "serviceCode", "architecture", "pageNumber", "pageSize", "instanceIds", "bootMode",
)
DESCRIBE_DISKS_PARAMS = ("pageNumber", "pageSize", "filters", "tags", "orders", "resourceGroupIds")


def _ordered(names: Sequence[str], values: Mapping[str, Any]) -> dict[str, Any]:
    """Known parameters in SDK order, then anything else the caller passed."""
    known = {name: values[name] for name in names if name in values}
    return known | {k: v for k, v in values.items() if k not in known}


def account_key_of(credentials: JdcloudCredentials) -> str:
    """A short stable id for cache keys and metrics: a digest of the access key, never the secret."""
    return hashlib.sha256(credentials.access_key.encode("utf-8")).hexdigest()[:16]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _uuid4() -> str:
    return str(uuid.uuid4())


class JdcloudClient:
    provider = models.NAME
    page_size_min = models.PAGE_SIZE_MIN
    page_size_max = models.PAGE_SIZE_MAX

    def __init__(
        self,
        transport: Transport,
        credentials: JdcloudCredentials,
        *,
        vm_endpoint: str = DEFAULT_VM_ENDPOINT,
        disk_endpoint: str = DEFAULT_DISK_ENDPOINT,
        regions: Sequence[str],
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = _utc_now,
        nonce: Callable[[], str] = _uuid4,
    ) -> None:
        self._transport = transport
        self._credentials = credentials
        self._endpoints = {"vm": vm_endpoint.rstrip("/"), "disk": disk_endpoint.rstrip("/")}
        self._limiter = limiter
        self._clock = clock
        self._nonce = nonce
        self.regions = tuple(sorted(dict.fromkeys(regions)))
        self.account_key = account_key_of(credentials)

    def __repr__(self) -> str:
        return f"JdcloudClient(vm={self._endpoints['vm']!r}, account_key={self.account_key!r})"

    # --- ImageCatalog -----------------------------------------------------------------------------

    async def list_locations(self) -> list[Location]:
        """The configured regions, sorted, with their display names (no call: vm and disk have no describeRegions)."""
        return [records.region(region) for region in self.regions]

    async def probe(self) -> str:
        """The smallest describeImages page of the first region (JD Cloud has no cheaper signed call)."""
        if not self.regions:
            return "no regions configured"
        page = await self.list_images(
            self.regions[0], {"imageSource": "public"}, page_number=1, page_size=self.page_size_min
        )
        return f"describeImages answered in {self.regions[0]} (requestId {page.request_id})"

    async def list_images(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> ImagePage:
        """One describeImages page; `params` are the API's own parameters (imageSource unless ids)."""
        query = _ordered(DESCRIBE_IMAGES_PARAMS, {**params, "pageNumber": page_number, "pageSize": page_size})
        return await self._call(
            "vm", "describeImages", f"/regions/{_segment(location)}/images", query, location,
            lambda result, request_id: records.parse_image_page(result, location, request_id),
        )

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]:
        """The images among `image_ids` that exist, in the order asked; one call per 100 ids, concurrently."""
        unique = list(dict.fromkeys(image_ids))
        pages = await asyncio.gather(*(
            self.list_images(location, {"ids": chunk}, page_number=1, page_size=self.page_size_max)
            for chunk in models.chunks(unique, self.page_size_max)
        ))
        by_id = {record.image_id: record for page in pages for record in page.records}
        return [by_id[image_id] for image_id in unique if image_id in by_id]

    async def list_volumes(
        self, location: str, params: Mapping[str, Any], *, page_number: int, page_size: int
    ) -> VolumePage:
        """One describeDisks page; `params` may hold filters, tags, orders and resourceGroupIds."""
        query = _ordered(DESCRIBE_DISKS_PARAMS, {**params, "pageNumber": page_number, "pageSize": page_size})
        return await self._call(
            "disk", "describeDisks", f"/regions/{_segment(location)}/disks", query, location,
            lambda result, request_id: records.parse_volume_page(result, location, request_id),
        )

    # --- plumbing ---------------------------------------------------------------------------------

    async def _call(
        self, service: str, action: str, path: str, query: Mapping[str, Any], region: str,
        read: Callable[[Mapping[str, Any], str | None], T],
    ) -> T:
        encoded = models.encode_query(query)
        url = f"{self._endpoints[service]}/v1{path}" + (f"?{encoded}" if encoded else "")

        def build() -> HttpRequest:
            headers = sign(
                self._credentials, method="GET", url=url, headers={"Content-Type": CONTENT_TYPE}, body=b"",
                region=region, service=service, now=self._clock(), nonce=self._nonce(),
            )
            return HttpRequest("GET", url, {**headers, "User-Agent": USER_AGENT})

        def parse(response: HttpResponse) -> T:
            return read(*models.parse_envelope(response, action=action))

        return await self._transport.call(
            provider=models.PROVIDER, action=action, location=region, build=build, parse=parse,
            limiter=self._limiter,
        )


__all__ = ["DEFAULT_DISK_ENDPOINT", "DEFAULT_VM_ENDPOINT", "JdcloudClient", "account_key_of"]
