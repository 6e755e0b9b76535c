"""Request ids: what is accepted from callers, what is generated; the README documents every metric."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client import Counter, Gauge, Histogram

from graphql_api.metrics import Metrics
from graphql_api.request_context import MAX_REQUEST_ID_LENGTH, accepted_request_id, new_request_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("value", [
    "router-req-42", "0f8fad5b-d9cb-469f-a165-70867728950e", "Root=1-5759e988-bd862e3fe1be46a994272793",
    "a" * MAX_REQUEST_ID_LENGTH, "ab/c+d=",
])
def test_well_formed_request_ids_are_kept(value: str) -> None:
    assert accepted_request_id(value) == value


@pytest.mark.parametrize("value", [
    "", " ", "a" * (MAX_REQUEST_ID_LENGTH + 1), "has space", 'quote"', "new\nline", "tab\t", "ünïcode",
    "-leading-dash", "<script>", "a;b", "${jndi:ldap://x}",
])
def test_malformed_request_ids_are_dropped(value: str) -> None:
    assert accepted_request_id(value) is None


def test_generated_ids_are_unique_hex() -> None:
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_the_readme_documents_every_metric_with_its_labels() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(cig_[a-z_]+)` \| [^|]+ \| ([^|]+) \|", readme, re.M)}
    metrics = [m for m in vars(Metrics()).values() if isinstance(m, Counter | Gauge | Histogram)]
    assert metrics
    documented = set()
    for metric in metrics:
        name = metric._name + ("_total" if isinstance(metric, Counter) else "")
        assert name in rows, f"{name} is not in the README's metrics table"
        for label in metric._labelnames:
            assert f"`{label}`" in rows[name], f"{name}: label {label} undocumented"
        documented.add(name)
    assert documented == set(rows), "the README lists series the service does not export"
