"""The third cloud's API: `POST /api`, the action in `X-Tc-Action`, a JSON body, `Authorization: Bearer`.

    ListRegions  -> {"regions": [...]}
    ListImages   {region, page, size, family?, ids?} -> {"items": [...], "total": n}
    ListVolumes  {region, page, size, ids?, state?}  -> {"items": [...], "total": n}
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from providers.emulation import CallCounter, Faults, install

from . import catalog


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _page(items: list[dict[str, Any]], body: dict[str, Any]) -> dict[str, Any]:
    page, size = int(body.get("page", 1)), int(body.get("size", 10))
    return {"items": items[(page - 1) * size:page * size], "total": len(items)}


def _listed(records: dict[str, list[dict[str, Any]]], body: dict[str, Any], **equal: str) -> list[dict[str, Any]]:
    items = records.get(str(body.get("region")), [])
    if body.get("ids") is not None:
        items = [i for i in items if i["id"] in body["ids"]]
    for key, field in equal.items():
        if body.get(key) is not None:
            items = [i for i in items if i[field] == body[key]]
    return items


def create_app(*, faults: Faults | None = None, counter: CallCounter | None = None,
               token: str = catalog.DEMO_TOKEN) -> web.Application:
    async def handle(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {token}":
            return _error(401, "Unauthorized", "bad token")
        body = json.loads(await request.read() or b"{}")
        action = request.headers.get("X-Tc-Action")
        if action == "ListRegions":
            return web.json_response({"regions": list(catalog.REGIONS)})
        if body.get("region") not in catalog.REGIONS:
            return _error(404, "NoSuchRegion", "no such region")
        if action == "ListImages":
            return web.json_response(_page(_listed(catalog.IMAGES, body, family="family"), body))
        if action == "ListVolumes":
            return web.json_response(_page(_listed(catalog.VOLUMES, body, state="state"), body))
        return _error(400, "UnknownAction", "no such action")

    def action_of(request: web.Request) -> str | None:
        return request.headers.get("X-Tc-Action")

    app = web.Application()
    install(app, faults=faults or Faults(), counter=counter or CallCounter(), action_of=action_of,
            error_response=_error)
    app.router.add_post("/api", handle)
    return app
