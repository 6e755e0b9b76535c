"""OpenTelemetry tracing, switched by the standard `OTEL_*` variables and off unless they ask for it.

On when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, `console`, or both comma-separated), or
when it is unset and an OTLP endpoint is (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
`OTEL_EXPORTER_OTLP_ENDPOINT`); off with `OTEL_TRACES_EXPORTER=none` or `OTEL_SDK_DISABLED=true`.
OTLP goes over HTTP/protobuf (`OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`, the only protocol
installed); every other variable (headers, timeout, compression, sampler, resource attributes,
batch sizes) is read by the SDK itself. While off, the SDK is never imported and requests pay only
a `None` check.

What is traced (`graphql_api.otel`): one SERVER span per HTTP request, named after its GraphQL
operation (`query ImagesForDeployment`) and continuing the caller's W3C `traceparent`; one CLIENT
child per provider attempt and one per cross-request cache hit. Each provider request carries the
trace on in `traceparent` (its parent is the operation's span). Never a span per field: a 1,000-row
answer costs the same spans as a 1-row answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from providers.http import CallOutcome

from .settings import SettingsError

if TYPE_CHECKING:
    from .request_context import RequestInfo

EXPORTERS = ("otlp", "console")
OTLP_PROTOCOL = "http/protobuf"


class RequestSpan(Protocol):
    trace_id: str

    def finish(self, status: int, info: RequestInfo) -> None: ...


class Tracing(Protocol):
    def start_request(self, method: str, path: str, headers: Mapping[str, str]) -> RequestSpan: ...

    def record_attempt(self, outcome: CallOutcome) -> None: ...

    def record_cache(self, provider: str, action: str, hit: bool) -> None: ...

    def inject(self, headers: dict[str, str]) -> None: ...

    def shutdown(self) -> None: ...


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def exporter_names(env: Mapping[str, str]) -> tuple[str, ...]:
    """The span exporters the environment asks for; empty when tracing is off."""
    if _true(env.get("OTEL_SDK_DISABLED")):
        return ()
    configured = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not configured:
        endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        return ("otlp",) if endpoint else ()
    names = tuple(dict.fromkeys(n.strip() for n in configured.split(",") if n.strip()))
    if names == ("none",):
        return ()
    unknown = [n for n in names if n not in EXPORTERS]
    if unknown:
        raise SettingsError(f"OTEL_TRACES_EXPORTER: unsupported exporter {unknown[0]!r} (use otlp, console or none)")
    if "otlp" in names:
        protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        if protocol and protocol.strip() != OTLP_PROTOCOL:
            raise SettingsError(f"OTEL_EXPORTER_OTLP_PROTOCOL: only {OTLP_PROTOCOL} is supported, got {protocol!r}")
    return names


def from_environment(env: Mapping[str, str], *, service_version: str) -> Tracing | None:
    """Tracing as the environment configures it, or None (off). Raises SettingsError on bad values."""
    names = exporter_names(env)
    if not names:
        return None
    from .otel import OtelTracing  # the SDK is imported only when tracing is on

    return OtelTracing.create(names, service_version=service_version)
