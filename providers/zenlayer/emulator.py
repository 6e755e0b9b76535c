"""A Zenlayer ZEC emulator: `POST /api/v2/zec`, routed on `x-zc-action`, over the demo catalog.

Actions: DescribeZones, DescribeImages, DescribeDisks (the ones the client calls). Behaviour follows the docs
(Zenlayer's public ZEC API 2.0 reference):

- Authentication: ZC2-HMAC-SHA256 is verified over the raw body bytes and the Content-Type and Host
  header values exactly as received (the docs sign `application/json; charset=utf-8`, the SDKs plain
  `application/json`: both work because nothing is re-serialized). `Authorization: Bearer <token>` is
  accepted for configured tokens. The timestamp is not checked for drift (the allowed skew is not
  documented). Zenlayer's own auth code names are undocumented, so these are our choice, all 401:
      AUTH_FAILED          Authorization missing or unreadable, unknown access key id or token
      SIGNATURE_INVALID    the signature does not match the request
- Every error is `{"requestId", "code", "message"}` (the Python SDK raises KeyError without all three):
      400 INVALID_ACTION             unknown or missing x-zc-action
      400 INVALID_PARAMETER          body is not a JSON object
      400 MISSING_PARAMETER          DescribeImages without zoneId
      400 INVALID_PARAMETER_VALUE    wrong type; pageNum < 1; pageSize outside 1..1000; > 20 tagKeys or tags
      404 INVALID_ZONE_NOT_FOUND     unknown zoneId
      429 REQUEST_LIMIT_EXCEEDED     injected throttle, or over `quota_per_second` (with Retry-After)
      401 AUTH_FAILED                injected "auth" fault (refused credentials)
      503 SERVICE_TEMPORARY_UNAVAILABLE  injected error
  Fault injection can also answer any error Zenlayer documents or its SDKs and Terraform provider rely
  on (`DOCUMENTED_ERRORS`), scripted as `status:<CODE>`.
- Filters: imageIds exact; imageName case-insensitive substring; category, imageType, imageSource and
  imageStatus exact; osType case-insensitive (records say `windows` and `Windows`); tagKeys matches
  images carrying ANY of the keys; tags matches images carrying ALL the key=value pairs (a pair without
  a value: the key with any value). DescribeDisks
  takes the same paging and tag rules and diskName as a fuzzy match (zoneId optional there).
  DescribeZones is not paginated; unknown ids in zoneIds are simply
  absent from the answer. Order is always catalog order.
- Success: `{"requestId": id, "response": {"requestId": id, ...}}`, the same id twice.

Fault injection, call counting and the /_emulator endpoints come from `providers.emulation`.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from ..deviations import Deviations, Refused
from ..emulation import CallCounter, Faults, install
from . import signing
from .catalog import Record, ZenlayerCatalog, default_catalog
from .models import MAX_TAG_FILTERS, PAGE_SIZE_MAX
from .signing import DEMO_CREDENTIALS, ZenlayerCredentials

PATH = "/api/v2/zec"
DEFAULT_PAGE_SIZE = 20
# Zenlayer's documented errors, plus those its SDKs and Terraform provider rely on (code -> HTTP status).
DOCUMENTED_ERRORS: Mapping[str, tuple[int, str]] = {
    "INVALID_ZONE_NOT_FOUND": (404, "The zone does not exist."),
    "OPERATION_FAILED_RESOURCE_NOT_FOUND": (404, "The resource does not exist."),
    "INVALID_PARAMETER_VALUE": (400, "A parameter value is not valid."),
    "MISSING_PARAMETER": (400, "A required parameter is missing."),
    "AUTH_FAILED": (401, "Authentication failed."),
    "REQUEST_LIMIT_EXCEEDED": (429, "Request limit exceeded."),
    "INTERNAL_SERVER_ERROR": (500, "Internal server error."),
    "SERVICE_TEMPORARY_UNAVAILABLE": (503, "Service temporarily unavailable."),
    "REQUEST_TIMED_OUT": (504, "The request timed out."),
}


class ApiError(Exception):
    """Raised inside handlers; becomes the Zenlayer error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def new_request_id() -> str:
    return "T" + str(uuid.uuid4()).upper()


def error_envelope(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"requestId": new_request_id(), "code": code, "message": message}, status=status)


def success_envelope(payload: Mapping[str, Any]) -> web.Response:
    request_id = new_request_id()
    return web.json_response({"requestId": request_id, "response": {"requestId": request_id, **payload}})


FAULT_CODES = {"throttle": "REQUEST_LIMIT_EXCEEDED", "auth": "AUTH_FAILED"}


def _fault_response(status: int, kind: str, message: str) -> web.Response:
    code = FAULT_CODES.get(kind, kind if kind in DOCUMENTED_ERRORS else "SERVICE_TEMPORARY_UNAVAILABLE")
    return error_envelope(status, code, message)


async def _location_of(request: web.Request) -> str | None:
    """The zoneId a call is about (fault targeting); None for zone-less calls and unreadable bodies."""
    try:
        document = json.loads(await request.read() or b"{}")  # aiohttp keeps the bytes for the handler
    except ValueError:
        return None
    zone = document.get("zoneId") if isinstance(document, dict) else None
    return zone if isinstance(zone, str) else None


def _action_of(request: web.Request) -> str | None:
    if request.path != PATH:
        return None  # control endpoints and stray paths are not provider calls
    return request.headers.get("x-zc-action") or "(none)"


# --- authentication ---------------------------------------------------------------------------------


def _parse_authorization(value: str) -> dict[str, str] | None:
    """`ZC2-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` as a dict, or None."""
    scheme, _, rest = value.partition(" ")
    if scheme != signing.ALGORITHM:
        return None
    parts = dict(item.strip().partition("=")[::2] for item in rest.split(","))
    if not {"Credential", "SignedHeaders", "Signature"} <= parts.keys():
        return None
    return parts


def authenticate(request: web.Request, body: bytes, keys: Mapping[str, str], tokens: frozenset[str]) -> None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        if header[len("Bearer "):] not in tokens:
            raise ApiError(401, "AUTH_FAILED", "The access token is not valid.")
        return
    parts = _parse_authorization(header)
    timestamp = request.headers.get("x-zc-timestamp", "")
    if parts is None or parts["SignedHeaders"] != signing.SIGNED_HEADERS or not timestamp.isdigit():
        raise ApiError(401, "AUTH_FAILED", "Authorization is missing or malformed.")
    password = keys.get(parts["Credential"])
    if password is None:
        raise ApiError(401, "AUTH_FAILED", "The access key id does not exist.")
    canonical = signing.canonical_request(
        request.headers.get("Content-Type", ""), request.headers.get("Host", ""), body
    )
    expected = signing.signature(password, signing.string_to_sign(int(timestamp), canonical))
    if not hmac.compare_digest(expected, parts["Signature"]):
        raise ApiError(401, "SIGNATURE_INVALID", "The request signature does not match.")


# --- parameters -------------------------------------------------------------------------------------


class Params:
    """Typed reads of a request body; every violation is a 400 naming the field."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.body = body

    def _invalid(self, name: str, expected: str) -> ApiError:
        return ApiError(400, "INVALID_PARAMETER_VALUE", f"{name} must be {expected}.")

    def text(self, name: str) -> str | None:
        value = self.body.get(name)
        if value is None or isinstance(value, str):
            return value
        raise self._invalid(name, "a string")

    def texts(self, name: str, limit: int | None = None) -> list[str] | None:
        value = self.body.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._invalid(name, "an array of strings")
        if limit is not None and len(value) > limit:
            raise self._invalid(name, f"at most {limit} items")
        return value

    def integer(self, name: str, default: int, low: int, high: int | None = None) -> int:
        value = self.body.get(name, default)
        if value is None:
            value = default
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            raise self._invalid(name, f"an integer from {low}" + (f" to {high}" if high is not None else ""))
        return value

    def tags(self) -> list[tuple[str, str | None]] | None:
        value = self.body.get("tags")
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(t, dict) and isinstance(t.get("key"), str) for t in value):
            raise self._invalid("tags", "an array of {key, value}")
        if len(value) > MAX_TAG_FILTERS:
            raise self._invalid("tags", f"at most {MAX_TAG_FILTERS} items")
        return [(t["key"], t.get("value")) for t in value]

    def page(self) -> tuple[int, int]:
        return self.integer("pageNum", 1, 1), self.integer("pageSize", DEFAULT_PAGE_SIZE, 1, PAGE_SIZE_MAX)


def record_tags(record: Mapping[str, Any]) -> dict[str, Any]:
    """The tags of a catalog record as key -> value, whatever shape they are stored in."""
    tags = record.get("tags")
    if isinstance(tags, dict):
        tags = tags.get("tags")
    return {t["key"]: t.get("value") for t in tags or () if isinstance(t, dict)}


Predicate = Callable[[Record], bool]


def _tag_predicates(params: Params) -> list[Predicate]:
    predicates: list[Predicate] = []
    keys = params.texts("tagKeys", MAX_TAG_FILTERS)
    if keys is not None:
        wanted = set(keys)
        predicates.append(lambda r: not wanted.isdisjoint(record_tags(r)))  # any of the keys
    pairs = params.tags()
    if pairs is not None:
        predicates.append(lambda r: all(  # all pairs; a key alone: any value
            k in record_tags(r) if v is None else record_tags(r).get(k, object()) == v for k, v in pairs
        ))
    return predicates


def _exact(field: str, value: str | None, *, fold: bool = False) -> Predicate | None:
    if value is None:
        return None
    if fold:
        return lambda r: str(r.get(field) or "").lower() == value.lower()
    return lambda r: r.get(field) == value


def _fuzzy(field: str, value: str | None) -> Predicate | None:
    if value is None:
        return None
    return lambda r: value.lower() in str(r.get(field) or "").lower()


def _page(records: Sequence[Record], predicates: Sequence[Predicate | None], params: Params) -> dict[str, Any]:
    page_num, page_size = params.page()
    active = [p for p in predicates if p is not None]
    matched = [r for r in records if all(p(r) for p in active)]
    start = (page_num - 1) * page_size
    return {"dataSet": matched[start:start + page_size], "totalCount": len(matched)}


# --- actions ----------------------------------------------------------------------------------------


class Actions:
    def __init__(self, catalog: ZenlayerCatalog, deviations: Deviations | None = None) -> None:
        self.catalog = catalog
        self.deviations = deviations

    def _zone(self, zone_id: str) -> str:
        if zone_id not in self.catalog.images_by_zone:
            raise ApiError(404, "INVALID_ZONE_NOT_FOUND", f"Zone {zone_id} does not exist.")
        return zone_id

    def describe_zones(self, params: Params) -> dict[str, Any]:
        ids = params.texts("zoneIds")
        wanted = set(ids) if ids is not None else None
        return {"zoneSet": [z for z in self.catalog.zones if wanted is None or z["zoneId"] in wanted]}

    def describe_images(self, params: Params) -> dict[str, Any]:
        zone_id = params.text("zoneId")
        if not zone_id:
            raise ApiError(400, "MISSING_PARAMETER", "zoneId is required.")
        records = self.catalog.images_by_zone[self._zone(zone_id)]
        if self.deviations is not None:
            try:
                params = Params(self.deviations.apply(params.body))
            except Refused as refused:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", f"{refused.param} is not valid.") from None
        image_ids = params.texts("imageIds")
        wanted = set(image_ids) if image_ids is not None else None
        return _page(records, [
            (lambda r: r.get("imageId") in wanted) if wanted is not None else None,
            _fuzzy("imageName", params.text("imageName")),
            _exact("category", params.text("category")),
            _exact("imageType", params.text("imageType")),
            _exact("imageSource", params.text("imageSource")),
            _exact("osType", params.text("osType"), fold=True),
            _exact("imageStatus", params.text("imageStatus")),
            *_tag_predicates(params),
        ], params)

    def describe_disks(self, params: Params) -> dict[str, Any]:
        zone_id = params.text("zoneId")
        zones = [self._zone(zone_id)] if zone_id else list(self.catalog.zone_ids)
        records = [d for z in zones for d in self.catalog.disks_by_zone[z]]
        disk_ids = params.texts("diskIds")
        wanted = set(disk_ids) if disk_ids is not None else None
        return _page(records, [
            (lambda r: r.get("diskId") in wanted) if wanted is not None else None,
            _fuzzy("diskName", params.text("diskName")),
            _exact("diskStatus", params.text("diskStatus")),
            _exact("diskType", params.text("diskType")),
            _exact("diskCategory", params.text("diskCategory")),
            _exact("instanceId", params.text("instanceId")),
            _exact("regionId", params.text("regionId")),
            *_tag_predicates(params),
        ], params)


def create_app(
    *,
    catalog: ZenlayerCatalog | None = None,
    credentials: Sequence[ZenlayerCredentials] = (DEMO_CREDENTIALS,),
    tokens: Sequence[str] = (),
    faults: Faults | None = None,
    counter: CallCounter | None = None,
    deviations: Deviations | None = None,
) -> web.Application:
    actions = Actions(catalog if catalog is not None else default_catalog(), deviations)
    routes: Mapping[str, Callable[[Params], dict[str, Any]]] = {
        "DescribeZones": actions.describe_zones,
        "DescribeImages": actions.describe_images,
        "DescribeDisks": actions.describe_disks,
    }
    keys = {c.access_key_id: c.access_key_password for c in credentials}
    accepted_tokens = frozenset(tokens)

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()  # the raw bytes: the signature covers exactly these
        try:
            authenticate(request, body, keys, accepted_tokens)
            action = routes.get(request.headers.get("x-zc-action", ""))
            if action is None:
                raise ApiError(400, "INVALID_ACTION", "The action is not supported by service zec.")
            try:
                document = json.loads(body or b"{}")
            except ValueError:
                document = None
            if not isinstance(document, dict):
                raise ApiError(400, "INVALID_PARAMETER", "The request body must be a JSON object.")
            return success_envelope(action(Params(document)))
        except ApiError as error:
            return error_envelope(error.status, error.code, error.message)

    app = web.Application()
    install(app, faults=faults or Faults(), counter=counter or CallCounter(), action_of=_action_of,
            error_response=_fault_response, location_of=_location_of, documented=DOCUMENTED_ERRORS)
    app.router.add_post(PATH, handle)
    return app


__all__ = ["DOCUMENTED_ERRORS", "PATH", "create_app", "error_envelope", "success_envelope"]
