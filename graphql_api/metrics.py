"""Prometheus metrics, one registry per app (so tests never share counters).

With several workers (`serve --workers N`) each is its own process; `serve` then names a fresh
directory in `PROMETHEUS_MULTIPROC_DIR` before the workers start, prometheus_client's multiprocess
mode keeps every worker's values there, and `/metrics` adds them up, whichever worker answers.

Labels are low-cardinality and never carry ids, filter values, URLs or credentials.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from providers.http import CallOutcome

# prometheus_client's own variable, read when it is imported
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
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

    def observe_upstream(self, outcome: CallOutcome) -> None:
        self.upstream_requests.labels(outcome.provider, outcome.action, outcome.outcome).inc()
        self.upstream_seconds.labels(outcome.provider, outcome.action).observe(outcome.seconds)

    def observe_cache(self, provider: str, action: str, hit: bool) -> None:
        self.cache_lookups.labels(provider, action, "hit" if hit else "miss").inc()

    def render(self) -> bytes:
        directory = os.environ.get(MULTIPROCESS_DIRECTORY)
        if directory:
            merged = CollectorRegistry()
            MultiProcessCollector(merged, path=directory)  # type: ignore[no-untyped-call]
            return generate_latest(merged)
        return generate_latest(self.registry)
