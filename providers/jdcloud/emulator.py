"""A JD Cloud vm + disk emulator: one aiohttp app serves both endpoints' paths over the demo catalog.

    GET /v1/regions/{regionId}/images            describeImages  (service vm)
    GET /v1/regions/{regionId}/disks             describeDisks   (service disk)

(the two listings the client calls; lookups by id are listings filtered by id).

Behaviour follows JD Cloud's public API docs and its Python and Go SDKs:

- Authentication: JDCLOUD3-HMAC-SHA256 (Python SDK) and JDCLOUD2-HMAC-SHA256 (Go SDK) are verified
  over exactly the headers SignedHeaders lists (date and nonce may or may not be among them), with the
  query canonicalized the Python way or taken raw as sent (Go). The scope's region and service must be
  the path's region and vm/disk. The date is not checked for drift (the allowed skew is undocumented).
  Anything wrong: 401 UNAUTHENTICATED.
- Errors are `{"requestId", "error": {"code": <HTTP status>, "status", "message"}}`:
      400 FAILED_PRECONDITION  "Parameter ImageSource missing": describeImages without imageSource or ids
      400 OUT_OF_RANGE         "PageSize out of range" (outside [10, 100]); pageNumber < 1
      400 INVALID_ARGUMENT     a value that is not a number/boolean/known word where one is needed, a
                               list where a scalar belongs (or the reverse), an unknown disk filter or
                               order name, several values for a one-value disk filter
      401 UNAUTHENTICATED      Authorization missing, unreadable, unknown key, bad signature or scope
      400 INVALID_ARGUMENT     also a launchPermission or rootDeviceType outside the documented values
      404 NOT_FOUND            unknown region (the emulator's choice: JD does not document it), unknown
                               imageId or diskId
      429 RATE_LIMIT           injected throttle, or over `quota_per_second` (with Retry-After)
      401 UNAUTHENTICATED      injected "auth" fault (refused credentials)
      503 UNAVAILABLE          injected error
  Fault injection can also answer any status JD Cloud documents (`DOCUMENTED_ERRORS`: the describeImages
  table's 400 FAILED_PRECONDITION / OUT_OF_RANGE and 500 INTERNAL / UNKNOWN, and the common errors),
  scripted as `status:<CODE>`.
- Regions: every region of the service's default `JDCLOUD_REGIONS` is known (cn-east-1 has no demo data).
- describeImages filters, ANDed: ids, imageSource, platform, rootDeviceType, status, architecture,
  serviceCode, bootMode (derived from uefiSupport when a record has only that) exact; imageName a
  case-insensitive substring; instanceIds exact; offline only with imageSource public or thirdparty
  and never with ids (a record without `offline` is online); launchPermission only with private.
  Booleans read True/true/False/false. Order: catalog order.
- describeDisks (section 2.5): filters AND across filters and OR across one filter's values: diskId,
  diskType, status, az, instanceId and instanceType (of any attachment), policyId / notPolicyId (of
  snapshotPolicies); name (fuzzy), multiAttach, encrypted take one value. tags match disks carrying
  the key with one of the values (any value when none given); resourceGroupIds exact; orders by
  create_time or trash_time, direction 0 ascending, 1 descending. Operators are not interpreted.
- Success is `{"requestId", "result": {...}}`, never an empty result (the Python SDK would read None).
  Every answer also carries the request id in `x-jdcloud-request-id`.

Fault injection, call counting and the /_emulator endpoints come from `providers.emulation`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from ..deviations import Deviations, Refused
from ..emulation import CallCounter, Faults, install
from . import models, signing
from .catalog import JdcloudCatalog, Record, default_catalog
from .records import JD_IMAGE_SOURCES, boot_mode_of
from .signing import DEMO_CREDENTIALS, JdcloudCredentials

DEFAULT_PAGE_SIZE = 20
IMAGE_SOURCES = frozenset(JD_IMAGE_SOURCES)
ROUTES: tuple[tuple[str, str, str], ...] = (  # (path, action, service)
    ("/v1/regions/{regionId}/images", "describeImages", "vm"),
    ("/v1/regions/{regionId}/disks", "describeDisks", "disk"),
)
_ACTIONS = frozenset(action for _, action, _ in ROUTES)
MULTI_VALUE_DISK_FILTERS = frozenset(
    {"diskId", "diskType", "instanceId", "instanceType", "status", "az", "policyId", "notPolicyId"}
)
SINGLE_VALUE_DISK_FILTERS = frozenset({"name", "multiAttach", "encrypted"})
ORDER_FIELDS = {"create_time": "createTime", "trash_time": "trashTime"}
DOCUMENTED_VALUES = {  # describeImages parameters with a closed list of values in the docs
    "launchPermission": frozenset({"all", "specifiedUsers", "ownerOnly"}),
    "rootDeviceType": frozenset({"localDisk", "cloudDisk"}),
}
# Every error status JD Cloud documents: describeImages' own table and the common errors (code -> HTTP status).
DOCUMENTED_ERRORS: Mapping[str, tuple[int, str]] = {
    "INVALID_ARGUMENT": (400, "Invalid argument"),
    "FAILED_PRECONDITION": (400, "Parameter ImageSource missing"),
    "OUT_OF_RANGE": (400, "PageSize out of range"),
    "UNAUTHENTICATED": (401, "Unauthenticated"),
    "HTTP_FORBIDDEN": (403, "Forbidden"),
    "PERMISSION_DENIED": (403, "Permission denied"),
    "NOT_FOUND": (404, "Not found"),
    "ABORTED": (409, "Aborted"),
    "ALREADY_EXISTS": (409, "Already exists"),
    "QUOTA_EXCEEDED": (429, "Quota exceeded"),
    "RATE_LIMIT": (429, "Rate limit exceeded"),
    "CANCELLED": (499, "Cancelled"),
    "INTERNAL": (500, "Internal server error"),
    "UNKNOWN": (500, "Unknown server error"),
    "NOT_IMPLEMENTED": (501, "Not implemented"),
    "SOURCE_UNAVAILABLE": (502, "Source unavailable"),
    "UNAVAILABLE": (503, "Service unavailable"),
}


class ApiError(Exception):
    """Raised inside handlers; becomes the JD error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def new_request_id() -> str:
    return uuid.uuid4().hex


def error_envelope(status: int, code: str, message: str) -> web.Response:
    request_id = new_request_id()
    return web.json_response(
        {"requestId": request_id, "error": {"code": status, "status": code, "message": message}},
        status=status, headers={models.REQUEST_ID_HEADER: request_id},
    )


def success_envelope(result: Mapping[str, Any]) -> web.Response:
    request_id = new_request_id()
    return web.json_response({"requestId": request_id, "result": result},
                             headers={models.REQUEST_ID_HEADER: request_id})


FAULT_STATUSES = {"throttle": "RATE_LIMIT", "auth": "UNAUTHENTICATED"}


def _fault_response(status: int, kind: str, message: str) -> web.Response:
    return error_envelope(status, FAULT_STATUSES.get(kind, kind if kind in DOCUMENTED_ERRORS else "UNAVAILABLE"),
                          message)


async def _location_of(request: web.Request) -> str | None:
    """The region a call is about (fault targeting)."""
    return request.match_info.get("regionId")


def _action_of(request: web.Request) -> str | None:
    name = request.match_info.route.name
    return name if name in _ACTIONS else None  # control endpoints and stray paths are not provider calls


# --- parameters -------------------------------------------------------------------------------------


class Query:
    """The query string as the SDK layout decodes it, with typed, validating accessors."""

    def __init__(self, raw_query: str) -> None:
        self.params = models.unflatten_params(models.decode_query(raw_query))

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is not None and not isinstance(value, str):
            raise ApiError(400, "INVALID_ARGUMENT", f"Parameter {name} must be a single value")
        return value

    def texts(self, name: str) -> list[str] | None:
        value = self.params.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ApiError(400, "INVALID_ARGUMENT", f"Parameter {name} must be a list of values ({name}.1=...)")
        return list(value)

    def objects(self, name: str) -> list[dict[str, Any]]:
        value = self.params.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ApiError(400, "INVALID_ARGUMENT", f"Parameter {name} must be a list of objects ({name}.1.x=...)")
        return list(value)

    def integer(self, name: str, default: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise ApiError(400, "INVALID_ARGUMENT", f"Parameter {name} must be an integer") from None

    def boolean(self, name: str) -> bool | None:
        return _boolean(self.text(name), name)

    def page(self) -> tuple[int, int]:
        number, size = self.integer("pageNumber", 1), self.integer("pageSize", DEFAULT_PAGE_SIZE)
        if number < 1:
            raise ApiError(400, "OUT_OF_RANGE", "PageNumber out of range")
        if not models.PAGE_SIZE_MIN <= size <= models.PAGE_SIZE_MAX:
            raise ApiError(400, "OUT_OF_RANGE", "PageSize out of range")
        return number, size


def _boolean(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value.strip().lower() not in ("true", "false"):
        raise ApiError(400, "INVALID_ARGUMENT", f"Parameter {name} must be true or false")
    return value.strip().lower() == "true"


def _paged(query: Query, records: Sequence[Record], key: str) -> dict[str, Any]:
    number, size = query.page()
    start = (number - 1) * size
    return {key: list(records[start:start + size]), "totalCount": len(records)}


# --- describeImages ---------------------------------------------------------------------------------


def filter_images(records: Sequence[Record], query: Query) -> list[Record]:
    ids = query.texts("ids")
    source = query.text("imageSource")
    if ids is None and source is None:
        raise ApiError(400, "FAILED_PRECONDITION", "Parameter ImageSource missing")
    if source is not None and source not in IMAGE_SOURCES:
        raise ApiError(400, "INVALID_ARGUMENT", f"Invalid imageSource {source!r}")
    for name, values in DOCUMENTED_VALUES.items():
        value = query.text(name)
        if value is not None and value not in values:
            raise ApiError(400, "INVALID_ARGUMENT", f"Invalid {name} {value!r}")
    offline = query.boolean("offline")
    if ids is not None or source not in ("public", "thirdparty"):
        offline = None  # documented: only meaningful for public/thirdparty, ignored with ids
    launch_permission = query.text("launchPermission") if source == "private" else None
    name = (query.text("imageName") or "").lower()
    instance_ids = query.texts("instanceIds")
    exact = {
        key: value for key in ("platform", "rootDeviceType", "status", "architecture", "serviceCode")
        if (value := query.text(key)) is not None
    }
    boot_mode = query.text("bootMode")
    wanted_ids = set(ids) if ids is not None else None

    def keep(record: Record) -> bool:
        return (
            (wanted_ids is None or record.get("imageId") in wanted_ids)
            and (source is None or record.get("imageSource") == source)
            and (offline is None or bool(record.get("offline", False)) == offline)
            and (launch_permission is None or record.get("launchPermission") == launch_permission)
            and name in str(record.get("name", "")).lower()
            and (instance_ids is None or record.get("instanceId") in instance_ids)
            and all(record.get(key) == value for key, value in exact.items())
            and (boot_mode is None or boot_mode_of(record) == boot_mode)
        )

    return [record for record in records if keep(record)]


# --- describeDisks ----------------------------------------------------------------------------------


def _disk_field(record: Record, name: str) -> set[str]:
    """The values of a disk that a filter name compares against."""
    attachments = [a for a in record.get("attachments") or [] if isinstance(a, dict)]
    policies = [p for p in record.get("snapshotPolicies") or [] if isinstance(p, dict)]
    if name == "instanceId":
        return {str(a.get("instanceId")) for a in attachments}
    if name == "instanceType":
        return {str(a.get("instanceType")) for a in attachments}
    if name in ("policyId", "notPolicyId"):
        return {str(p.get("policyId")) for p in policies}
    return {str(record.get(name))}


def _disk_predicate(spec: Mapping[str, Any]) -> Callable[[Record], bool]:
    name, values = spec.get("name"), spec.get("values")
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ApiError(400, "INVALID_ARGUMENT", f"Filter {name} needs values ({'filters.N.values.1'})")
    if name in SINGLE_VALUE_DISK_FILTERS:
        if len(values) != 1:
            raise ApiError(400, "INVALID_ARGUMENT", f"Filter {name} takes one value")
        value = values[0]
        if name == "name":
            return lambda record: value.lower() in str(record.get("name", "")).lower()
        flag = _boolean(value, f"filter {name}")
        field = "multiAttachable" if name == "multiAttach" else "encrypted"
        return lambda record: bool(record.get(field, False)) == flag
    if name not in MULTI_VALUE_DISK_FILTERS:
        raise ApiError(400, "INVALID_ARGUMENT", f"Unknown filter name {name!r}")
    wanted = set(values)
    if name == "notPolicyId":
        return lambda record: not (_disk_field(record, name) & wanted)
    return lambda record: bool(_disk_field(record, name) & wanted)


def _tag_predicate(spec: Mapping[str, Any]) -> Callable[[Record], bool]:
    key, values = spec.get("key"), spec.get("values")
    if not isinstance(key, str) or (values is not None and not isinstance(values, list)):
        raise ApiError(400, "INVALID_ARGUMENT", "Tag filters need a key (tags.N.key) and optional values")
    wanted = set(values) if values else None

    def keep(record: Record) -> bool:
        tags = [t for t in record.get("tags") or [] if isinstance(t, dict) and t.get("key") == key]
        return any(wanted is None or t.get("value") in wanted for t in tags)

    return keep


def _order_key(field: str) -> Callable[[Record], str]:
    return lambda record: str(record.get(field) or "")  # the catalog's times sort as text


def filter_disks(records: Sequence[Record], query: Query) -> list[Record]:
    predicates = [_disk_predicate(spec) for spec in query.objects("filters")]
    predicates += [_tag_predicate(spec) for spec in query.objects("tags")]
    groups = query.texts("resourceGroupIds")
    if groups is not None:
        predicates.append(lambda record: record.get("resourceGroupId") in groups)
    found = [record for record in records if all(predicate(record) for predicate in predicates)]
    for order in reversed(query.objects("orders")):  # the first order is the primary key
        field = ORDER_FIELDS.get(str(order.get("name")))
        direction = str(order.get("direction", "0"))
        if field is None or direction not in ("0", "1"):
            raise ApiError(400, "INVALID_ARGUMENT", "orders.N.name must be create_time or trash_time, "
                           "orders.N.direction 0 or 1")
        found.sort(key=_order_key(field), reverse=direction == "1")
    return found


# --- the app ----------------------------------------------------------------------------------------


def _authenticate(
    request: web.Request, body: bytes, secrets: Mapping[str, str], region: str, service: str
) -> None:
    parsed = signing.parse_authorization(request.headers.get("Authorization", ""))
    if parsed is None:
        raise ApiError(401, "UNAUTHENTICATED", "Authorization header missing or not JDCLOUD2/JDCLOUD3")
    secret = secrets.get(parsed.access_key)
    raw_path, _, raw_query = request.raw_path.partition("?")
    if (
        secret is None or parsed.region != region or parsed.service != service
        or not signing.verify(parsed, secret, method=request.method, path=raw_path, raw_query=raw_query,
                              headers=request.headers, host=request.host, body=body)
    ):
        raise ApiError(401, "UNAUTHENTICATED", "Request signature does not match, or the access key is unknown")


def create_app(
    *,
    catalog: JdcloudCatalog | None = None,
    credentials: Sequence[JdcloudCredentials] = (DEMO_CREDENTIALS,),
    faults: Faults | None = None,
    counter: CallCounter | None = None,
    deviations: Deviations | None = None,
) -> web.Application:
    data = catalog if catalog is not None else default_catalog()
    secrets = {c.access_key: c.secret_key for c in credentials}

    def describe_images(query: Query, region: str) -> Mapping[str, Any]:
        if deviations is not None:
            try:
                query.params = deviations.apply(query.params)
            except Refused as refused:
                what = f"parameter {refused.param}" if refused.value is None else f"{refused.param} {refused.value!r}"
                raise ApiError(400, "INVALID_ARGUMENT", f"Invalid {what}") from None
        return _paged(query, filter_images(data.images_by_region[region], query), "images")

    def describe_disks(query: Query, region: str) -> Mapping[str, Any]:
        return _paged(query, filter_disks(data.disks_by_region[region], query), "disks")

    handlers: Mapping[str, Callable[[Query, str], Mapping[str, Any]]] = {
        "describeImages": describe_images,
        "describeDisks": describe_disks,
    }

    def handler_for(action: str, service: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            region = request.match_info["regionId"]
            try:
                _authenticate(request, await request.read(), secrets, region, service)
                if region not in data.images_by_region:
                    raise ApiError(404, "NOT_FOUND", f"Region {region} not found")
                query = Query(request.raw_path.partition("?")[2])
                return success_envelope(handlers[action](query, region))
            except ApiError as error:
                return error_envelope(error.status, error.code, error.message)

        return handle

    app = web.Application()
    for path, action, service in ROUTES:
        app.router.add_get(path, handler_for(action, service), name=action)
    install(
        app, faults=faults if faults is not None else Faults(),
        counter=counter if counter is not None else CallCounter(),
        action_of=_action_of, error_response=_fault_response, location_of=_location_of,
        documented=DOCUMENTED_ERRORS,
    )

    async def unknown(request: web.Request) -> web.Response:
        return error_envelope(404, "NOT_FOUND", "No such API")

    # Last, so the control endpoints `install` added still match first; clients always get JSON.
    app.router.add_route("*", "/{tail:.*}", unknown)
    return app


__all__ = [
    "DOCUMENTED_ERRORS", "ROUTES", "create_app", "error_envelope", "filter_disks", "filter_images", "success_envelope",
]
