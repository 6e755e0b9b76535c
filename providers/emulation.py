"""What both emulators share: call counting, fault injection, a quota, and the control endpoints.

An emulator is a plain aiohttp app. `install(app, faults, counter, action_of, location_of)` adds a
middleware that counts each call by action and location, enforces the quota, then applies the
configured faults before the provider logic runs:

    latency_ms      added delay on every call
    error_rate      share of calls answered 500/503 in the provider's error envelope
    throttle_rate   share of calls answered 429 with Retry-After (`retry_after_seconds`)
    malformed_rate  share of calls answered 200 with a body that is not JSON
    drop_rate       share of calls whose connection is closed without an answer
    oversize_bytes  when set, successful answers are padded past this size
    always          one fault kind for every call (below), e.g. "auth" for a location that refuses us
    locations       when set, faults (latency included) apply only to calls for these zones/regions;
                    the others are answered normally
    quota_per_second  when set, a call that would make more than this many calls in the last second
                    (sliding window, all locations) is answered 429 with `Retry-After: 1`, like a
                    provider's own rate limit; such answers are counted in `CallCounter.throttled`

Fault kinds (for `script` and `always`): "throttle", "error", "malformed" (200, not JSON), "drop"
(connection reset), "oversize", "truncated" (the body stops before its Content-Length), "shape" (a
JSON success envelope whose payload is a list, not an object), "enum" (every enum-like field of the
answer set to an undocumented value), "auth" (401 in the provider's envelope).

Rates are drawn from a seeded RNG, so a run is repeatable. `script` queues exact faults for the next
(targeted) calls, or "status:<CODE>": any error the provider documents, from the emulator's
`documented` table (e.g. "status:INTERNAL" is JD Cloud's 500 INTERNAL), which is what tests use. The
control endpoints (`GET/DELETE /_emulator/calls`, `GET/PUT /_emulator/faults`) serve the same data to a
process that only has the emulator's URL.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from aiohttp import web

FAULT_KINDS = ("throttle", "error", "malformed", "drop", "oversize", "truncated", "shape", "enum", "auth")
# Fields the "enum" fault rewrites, in either provider's records.
ENUM_FIELDS = frozenset({"osType", "imageStatus", "imageSource", "imageType", "status", "diskStatus", "category",
                         "platform"})
UNDOCUMENTED = "UNDOCUMENTED_VALUE"
STATUS_FAULT = "status:"  # prefix of a scripted documented error: "status:<CODE>"
Documented = Mapping[str, tuple[int, str]]  # an emulator's documented errors: code -> (HTTP status, message)


def _known_fault(kind: str, documented: Documented | None = None) -> bool:
    if kind.startswith(STATUS_FAULT):
        return bool(kind[len(STATUS_FAULT):]) and (documented is None or kind[len(STATUS_FAULT):] in documented)
    return kind in FAULT_KINDS


@dataclass
class Faults:
    latency_ms: float = 0.0
    error_rate: float = 0.0
    throttle_rate: float = 0.0
    malformed_rate: float = 0.0
    drop_rate: float = 0.0
    retry_after_seconds: float = 1.0
    oversize_bytes: int | None = None
    always: str | None = None
    locations: list[str] | None = None
    quota_per_second: float | None = None
    seed: int = 0
    script: deque[str] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def queue(self, *kinds: str) -> None:
        """Make the next calls fail in exactly these ways, one per call, in order."""
        for kind in kinds:
            if not _known_fault(kind):
                raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}, {STATUS_FAULT}<CODE>")
        self.script.extend(kinds)

    def reset(self) -> None:
        for f in fields(self):
            if f.name not in ("script", "seed"):
                setattr(self, f.name, f.default)
        self.script.clear()
        self._rng = random.Random(self.seed)

    def targets(self, location: str | None) -> bool:
        """Whether faults apply to a call for `location` (all calls when `locations` is unset)."""
        return self.locations is None or location in self.locations

    def draw(self) -> str | None:
        """The fault for this call, if any."""
        if self.script:
            return self.script.popleft()
        if self.always is not None:
            return self.always
        for kind, rate in (
            ("drop", self.drop_rate),
            ("throttle", self.throttle_rate),
            ("error", self.error_rate),
            ("malformed", self.malformed_rate),
        ):
            if rate and self._rng.random() < rate:
                return kind
        return None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["script"] = list(self.script)
        return data

    def update(self, data: dict[str, Any]) -> None:
        """Apply settings by name. A bad one is refused (ValueError/TypeError) before anything changes."""
        if not isinstance(data, dict):
            raise TypeError("fault settings must be a JSON object")
        known = {f.name for f in fields(self)} - {"script", "seed"}
        unknown = set(data) - known - {"script"}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        for name, value in data.items():
            if name == "script":
                if not isinstance(value, list) or not all(isinstance(kind, str) for kind in value):
                    raise TypeError("script must be a list of fault names")
                unknown_kinds = [kind for kind in value if not _known_fault(kind)]
                if unknown_kinds:
                    raise ValueError(f"unknown fault {unknown_kinds[0]!r}; known: {', '.join(FAULT_KINDS)}")
            elif name in ("oversize_bytes", "always", "locations", "quota_per_second") and value is None:
                continue
            elif name == "always":
                if not _known_fault(value):
                    raise ValueError(f"unknown fault {value!r}; known: {', '.join(FAULT_KINDS)}")
            elif name == "locations":
                if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                    raise TypeError("locations must be a list of zone or region ids")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a non-negative number, not {value!r}")
        for name, value in data.items():
            if name == "script":
                self.queue(*value)
            else:
                setattr(self, name, value)


class CallCounter:
    """Calls received, by action and by location, with their arrival times. Counted before faults and
    the quota apply: a refused call is still a call."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.by_action: Counter[str] = Counter()
        self.by_location: Counter[str] = Counter()
        self.arrivals: list[float] = []  # monotonic seconds, in order
        self.throttled = 0  # calls answered 429 by the quota
        self._clock = clock

    def __getitem__(self, action: str) -> int:
        return self.by_action[action]

    @property
    def total(self) -> int:
        return sum(self.by_action.values())

    def record(self, action: str, location: str | None) -> float:
        now = self._clock()
        self.by_action[action] += 1
        if location is not None:
            self.by_location[location] += 1
        self.arrivals.append(now)
        return now

    def in_last_second(self, now: float) -> int:
        """Calls that arrived in (now - 1 s, now], this one included."""
        count = 0
        for stamp in reversed(self.arrivals):
            if stamp <= now - 1.0:
                break
            count += 1
        return count

    def max_per_second(self) -> int:
        """The most calls that arrived within any one-second window."""
        best, start = 0, 0
        for end, stamp in enumerate(self.arrivals):
            while self.arrivals[start] <= stamp - 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def reset(self) -> None:
        self.by_action.clear()
        self.by_location.clear()
        self.arrivals.clear()
        self.throttled = 0


FAULTS = web.AppKey("faults", Faults)
COUNTER = web.AppKey("counter", CallCounter)

ErrorBody = Callable[[int, str, str], web.Response]  # (status, code, message) -> provider envelope
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LocationOf = Callable[[web.Request], Awaitable[str | None]]


async def _nowhere(request: web.Request) -> str | None:
    return None


def _scramble_enums(value: Any) -> Any:
    """The answer with every enum-like string field set to a value no documentation lists."""
    if isinstance(value, dict):
        return {k: UNDOCUMENTED if k in ENUM_FIELDS and isinstance(v, str) else _scramble_enums(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scramble_enums(item) for item in value]
    return value


def _misshapen(document: dict[str, Any]) -> dict[str, Any]:
    """The success envelope with its payload object turned into a list: valid JSON, wrong shape."""
    return {k: v if k == "requestId" or not isinstance(v, dict) else [v] for k, v in document.items()}


async def _truncated(request: web.Request, body: bytes) -> web.StreamResponse:
    """Headers promise the whole body; half of it is sent, then the connection closes."""
    response = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    response.content_length = len(body)
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    transport = request.transport
    if transport is not None:
        transport.close()
    return response


def install(
    app: web.Application,
    *,
    faults: Faults,
    counter: CallCounter,
    action_of: Callable[[web.Request], str | None],
    error_response: ErrorBody,
    location_of: LocationOf = _nowhere,
    documented: Documented | None = None,
) -> None:
    """Add counting, the quota, faults and the control endpoints to a provider emulator app. `error_response`
    gets (status, "throttle" | "error" | "auth" | a documented code, message)."""
    documented = documented or {}
    app[FAULTS] = faults
    app[COUNTER] = counter

    @web.middleware
    async def emulate(request: web.Request, handler: Handler) -> web.StreamResponse:
        action = action_of(request)
        if action is None:  # control endpoints and unknown paths are not provider calls
            return await handler(request)
        location = await location_of(request)
        now = counter.record(action, location)
        if faults.quota_per_second is not None and counter.in_last_second(now) > faults.quota_per_second:
            counter.throttled += 1
            response = error_response(429, "throttle", "Request limit exceeded, retry later")
            response.headers["Retry-After"] = "1"
            return response
        if not faults.targets(location):
            return await handler(request)
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        fault = faults.draw()
        if fault == "drop":
            transport = request.transport
            if transport is not None:
                transport.abort()
            raise asyncio.CancelledError  # aiohttp stops handling this request
        if fault == "throttle":
            response = error_response(429, "throttle", "Request limit exceeded, retry later")
            response.headers["Retry-After"] = f"{faults.retry_after_seconds:g}"
            return response
        if fault == "error":
            return error_response(503, "error", "Service temporarily unavailable")
        if fault is not None and fault.startswith(STATUS_FAULT):
            code = fault[len(STATUS_FAULT):]
            status, message = documented[code]
            return error_response(status, code, message)
        if fault == "malformed":
            return web.Response(status=200, body=b'{"requestId": "T-broken", "respo', content_type="application/json")
        if fault == "auth":
            return error_response(401, "auth", "The credentials were refused")
        answer = await handler(request)
        if fault in ("truncated", "shape", "enum") and isinstance(answer, web.Response) and answer.body:
            document = json.loads(bytes(answer.body))  # type: ignore[arg-type]
            if fault == "truncated":
                return await _truncated(request, bytes(answer.body))  # type: ignore[arg-type]
            answer.body = json.dumps(_misshapen(document) if fault == "shape" else _scramble_enums(document)).encode()
            return answer
        oversize = faults.oversize_bytes if fault != "oversize" else 1
        if oversize and isinstance(answer, web.Response) and answer.status == 200 and answer.body:
            document = json.loads(bytes(answer.body))  # type: ignore[arg-type]
            document["padding"] = "x" * (oversize + 1)
            answer.body = json.dumps(document).encode()
        return answer

    app.middlewares.append(emulate)

    async def get_calls(request: web.Request) -> web.Response:
        return web.json_response({
            "total": counter.total, "byAction": dict(counter.by_action), "byLocation": dict(counter.by_location),
            "throttled": counter.throttled, "maxPerSecond": counter.max_per_second(),
        })

    async def reset_calls(request: web.Request) -> web.Response:
        counter.reset()
        return await get_calls(request)

    async def get_faults(request: web.Request) -> web.Response:
        return web.json_response(faults.to_json())

    async def put_faults(request: web.Request) -> web.Response:
        try:
            data = await request.json()
            Faults().update(data)  # a dry run: a bad PUT is refused before the live configuration changes
            script = data.get("script", []) if isinstance(data, dict) else []
            undocumented = [k for k in script if not _known_fault(k, documented)]
            if undocumented:
                raise ValueError(f"{undocumented[0]!r} is not an error this provider documents")
            faults.reset()
            faults.update(data)
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(faults.to_json())

    app.router.add_get("/_emulator/calls", get_calls)
    app.router.add_delete("/_emulator/calls", reset_calls)
    app.router.add_get("/_emulator/faults", get_faults)
    app.router.add_put("/_emulator/faults", put_faults)
