"""The third cloud's ImageCatalog: one signed-by-token JSON call per listing page."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from providers.base import (
    ImagePage,
    ImageRecord,
    ImageSource,
    ImageStatus,
    Location,
    OsType,
    ProviderName,
    VolumePage,
    VolumeRecord,
    VolumeStatus,
)
from providers.errors import AuthFailedError, BadRequestError, NotFoundError, ProviderError
from providers.http import HttpRequest, HttpResponse, Transport

NAME = ProviderName("thirdcloud")
PAGE_SIZE_MAX = 2  # small, so a connection over it spans several provider pages
T = TypeVar("T")

_ERRORS: Mapping[int, type[ProviderError]] = {401: AuthFailedError, 404: NotFoundError, 400: BadRequestError}


def _image(raw: Mapping[str, Any], location: str) -> ImageRecord:
    return ImageRecord(
        provider=NAME, location=location, image_id=raw["id"], name=raw["name"],
        os_type=OsType.WINDOWS if raw["os"] == "windows" else OsType.LINUX,
        source=ImageSource.OFFICIAL if raw["public"] else ImageSource.CUSTOM, status=ImageStatus.AVAILABLE,
        raw=raw, os_type_raw=raw["os"], platform=raw["family"],
    )


def _volume(raw: Mapping[str, Any], location: str) -> VolumeRecord:
    return VolumeRecord(
        provider=NAME, location=location, disk_id=raw["id"], name=raw["name"],
        status=VolumeStatus.IN_USE if raw["state"] == "attached" else VolumeStatus.AVAILABLE, raw=raw,
        size_gib=raw["sizeGiB"], status_raw=raw["state"],
    )


class ThirdClient:
    provider = NAME
    page_size_min = 1
    page_size_max = PAGE_SIZE_MAX

    def __init__(self, transport: Transport, url: str, token: str) -> None:
        self._transport = transport
        self._url = url.rstrip("/") + "/api"
        self._token = token
        self.account_key = "thirdcloud-demo"

    async def _call(self, action: str, body: Mapping[str, Any], location: str | None,
                    read: Callable[[Mapping[str, Any]], T]) -> T:
        payload = json.dumps(body).encode()

        def build() -> HttpRequest:
            headers = {"Authorization": f"Bearer {self._token}", "X-Tc-Action": action,
                       "Content-Type": "application/json"}
            return HttpRequest("POST", self._url, headers, payload)

        def parse(response: HttpResponse) -> T:
            document = json.loads(response.body)
            if response.status != 200:
                error = _ERRORS.get(response.status, ProviderError)
                raise error(provider=NAME.value, action=action, status=response.status,
                            code=document["error"]["code"])
            return read(document)

        return await self._transport.call(provider=NAME.value, action=action, location=location, build=build,
                                          parse=parse)

    async def list_locations(self) -> list[Location]:
        return await self._call("ListRegions", {}, None,
                                lambda d: [Location(NAME, region) for region in d["regions"]])

    async def probe(self) -> str:
        return f"ListRegions answered {len(await self.list_locations())} regions"

    async def list_images(self, location: str, params: Mapping[str, Any], *, page_number: int,
                          page_size: int) -> ImagePage:
        body = {**params, "region": location, "page": page_number, "size": page_size}
        return await self._call("ListImages", body, location, lambda d: ImagePage(
            [_image(raw, location) for raw in d["items"]], d["total"]))

    async def get_images(self, location: str, image_ids: Sequence[str]) -> list[ImageRecord]:
        page = await self.list_images(location, {"ids": list(image_ids)}, page_number=1, page_size=len(image_ids))
        return page.records

    async def list_volumes(self, location: str, params: Mapping[str, Any], *, page_number: int,
                           page_size: int) -> VolumePage:
        body = {**params, "region": location, "page": page_number, "size": page_size}
        return await self._call("ListVolumes", body, location, lambda d: VolumePage(
            [_volume(raw, location) for raw in d["items"]], d["total"]))
