"""Prometheus metrics, one registry per app (so tests never share counters).

With several workers (`serve --workers N`) each is its own process; `serve` then names a fresh
directory in `PROMETHEUS_MULTIPROC_DIR` before the workers start, prometheus_client's multiprocess
mode keeps every worker's values there, and `/metrics` adds them up, whichever worker answers
(gauges: the highest live value, e.g. the worst circuit state any worker sees).

Labels are low-cardinality and never carry ids, filter values, URLs or credentials.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from providers.breaker import CircuitState
from providers.http import CallOutcome

CIRCUIT_VALUES = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}
ROUTES = frozenset({"/graphql", "/healthz", "/readyz", "/metrics"})  # other paths are counted as `other`
# prometheus_client's own variable, read when it is imported
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._requests: dict[tuple[str, int], Counter] = {}  # bounded: five routes times the HTTP statuses
        self._lookups: dict[tuple[str, str, bool], Counter] = {}  # bounded: providers times their cached actions
        self.http_requests = Counter(
            "cig_http_requests", "HTTP requests served, by route and status.", ["route", "status"],
            registry=self.registry,
        )
        self.graphql_errors = Counter(
            "cig_graphql_errors", "GraphQL errors returned, by extensions.code.", ["code"], registry=self.registry
        )
        self.upstream_requests = Counter(
            "cig_upstream_requests", "Provider API attempts, by provider, action and outcome (ok or error class).",
            ["provider", "action", "outcome"], registry=self.registry,
        )
        self.upstream_seconds = Histogram(
            "cig_upstream_request_seconds", "Provider API attempt latency.", ["provider", "action"],
            registry=self.registry, buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.cache_lookups = Counter(
            "cig_cache_lookups", "Cross-request cache lookups, by provider, action and result (hit or miss).",
            ["provider", "action", "result"], registry=self.registry,
        )
        self.pushdown_drift = Counter(
            "cig_pushdown_drift", "Pushed-down parameters a provider answered contrary to (then applied by this "
            "service), by provider and parameter; counted once per process.", ["provider", "parameter"],
            registry=self.registry,
        )
        self.pushdown_refusals = Counter(
            "cig_pushdown_refusals", "Parameters or image sources this service chose that a provider refused as "
            "invalid (then applied here or skipped), by provider and parameter; once per process.",
            ["provider", "parameter"], registry=self.registry,
        )
        self.response_cache_lookups = Counter(
            "cig_response_cache_lookups", "Response cache lookups by result: hit, miss, or bypass (the request "
            "asked for `Cache-Control: no-cache`, or is a batch or a stream).", ["result"], registry=self.registry,
        )
        self.response_cache_uncacheable = Counter(
            "cig_response_cache_uncacheable", "Answers served but not stored, by reason (errors, not-a-query, "
            "time-dependent, too-large, expiring).", ["reason"], registry=self.registry,
        )
        self.response_cache_evictions = Counter(
            "cig_response_cache_evictions", "Response cache entries dropped before use, by reason (capacity, "
            "expired, corrupt).", ["reason"], registry=self.registry,
        )
        self.response_cache_failures = Counter(
            "cig_response_cache_failures", "Response cache backend operations that failed (read, write), each "
            "served as a miss.", ["operation"], registry=self.registry,
        )
        self.response_cache_stored_bytes = Counter(
            "cig_response_cache_stored_bytes", "Bytes of answers written to the response cache.",
            registry=self.registry,
        )
        self.response_cache_bytes = Gauge(
            "cig_response_cache_memory_bytes", "Bytes the in-memory response cache holds (answers, keys, "
            "bookkeeping).", registry=self.registry,
        )

        self.circuit_state = Gauge(
            "cig_circuit_state", "Circuit breaker per provider and location: 0 closed, 1 half-open (next call "
            "probes), 2 open (calls skipped).", ["provider", "location"], registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.backend_failures = Counter(
            "cig_shared_state_failures", "Failed calls to the shared store (Redis), by component (cache or "
            "quota); while it fails the cache is bypassed and quotas are per process.", ["component"],
            registry=self.registry,
        )
        self.executions = Counter(
            "cig_executions", "Root fields completed, by path: compiled, graphql_core, bailed (compiled code met an "
            "awaitable and graphql-core took over), shadow_match, shadow_mismatch, shadow_skipped.", ["outcome"],
            registry=self.registry,
        )
        self.plans = Counter(
            "cig_compiled_plans", "Root fields compiled, by result: compiled, unsupported (left to graphql-core), "
            "failed (the compiler raised; graphql-core answered).", ["result"], registry=self.registry,
        )
        self.plan_seconds = Histogram(
            "cig_compiled_plan_seconds", "Time to compile one root field's selection.", registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
        )

    def observe_circuit(self, provider: str, location: str | None, state: CircuitState) -> None:
        self.circuit_state.labels(provider, location or "-").set(CIRCUIT_VALUES[state])

    def observe_circuits(self, states: Mapping[tuple[str, str | None], CircuitState]) -> None:
        """Refresh every gauge (an open circuit turns half-open with time, not with an event)."""
        for (provider, location), state in states.items():
            self.observe_circuit(provider, location, state)

    def observe_backend_failure(self, component: str) -> None:
        self.backend_failures.labels(component).inc()

    def observe_drift(self, provider: str, parameter: str) -> None:
        self.pushdown_drift.labels(provider, parameter).inc()

    def observe_refusal(self, provider: str, parameter: str) -> None:
        self.pushdown_refusals.labels(provider, parameter).inc()
    def observe_execution(self, outcome: str) -> None:
        self.executions.labels(outcome).inc()

    def observe_compile(self, result: str, seconds: float) -> None:
        self.plans.labels(result).inc()
        self.plan_seconds.observe(seconds)

    def count_request(self, path: str, status: int) -> None:
        """One HTTP request answered, in `cig_http_requests_total` by route and status."""
        route = path if path in ROUTES else "other"
        key = (route, status)
        child = self._requests.get(key)
        if child is None:  # resolved once per route and status: a label lookup costs more than the count
            child = self._requests[key] = self.http_requests.labels(route, str(status))
        child.inc()

    def observe_upstream(self, outcome: CallOutcome) -> None:
        self.upstream_requests.labels(outcome.provider, outcome.action, outcome.outcome).inc()
        self.upstream_seconds.labels(outcome.provider, outcome.action).observe(outcome.seconds)

    def observe_cache(self, provider: str, action: str, hit: bool) -> None:
        key = (provider, action, hit)
        child = self._lookups.get(key)
        if child is None:  # one lookup per page read: resolved once per provider, action and result
            child = self._lookups[key] = self.cache_lookups.labels(provider, action, "hit" if hit else "miss")
        child.inc()

    def render(self) -> bytes:
        directory = os.environ.get(MULTIPROCESS_DIRECTORY)
        if directory:
            merged = CollectorRegistry()
            MultiProcessCollector(merged, path=directory)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)
