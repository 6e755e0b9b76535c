"""schema.graphql at the repository root is the live subgraph SDL, byte for byte.

Other subgraphs and supergraph builds compose against the committed file, so a schema change that is
not re-exported would silently compose an outdated contract. Regenerate with
`cloud-images-graphql export-schema --output schema.graphql`, which also writes schema.client.graphql
(the same API without federation, for client tooling).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from graphql_api.schema import client_sdl, schema

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "schema.graphql"
REGENERATE = ".venv/bin/cloud-images-graphql export-schema --output schema.graphql"


def _difference(saved: str, live: str) -> str:
    diff = difflib.unified_diff(
        saved.splitlines(), live.splitlines(), "schema.graphql (committed)", "schema (live)", lineterm="", n=2
    )
    return "\n".join(list(diff)[:80])


def test_committed_schema_matches_live_schema() -> None:
    assert SNAPSHOT.is_file(), f"schema.graphql is missing; create it with `{REGENERATE}`"
    saved = SNAPSHOT.read_text()
    live = schema.as_str() + "\n"
    assert saved == live, (
        f"schema.graphql differs from the live schema; if the change is intended, regenerate it with "
        f"`{REGENERATE}` and commit it.\n{_difference(saved, live)}"
    )


def test_service_sdl_is_the_committed_schema() -> None:
    """What a gateway reads from `_service { sdl }` is the contract committed in schema.graphql."""
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.errors is None, result.errors
    assert result.data is not None
    assert result.data["_service"]["sdl"] + "\n" == SNAPSHOT.read_text(), (
        f"`_service {{ sdl }}` differs from schema.graphql; regenerate with `{REGENERATE}`"
    )


def test_committed_client_schema_matches_live_schema() -> None:
    """schema.client.graphql (what codegen, editors and the Python `gql` client read) is current too."""
    client = ROOT / "schema.client.graphql"
    assert client.is_file(), f"schema.client.graphql is missing; create it with `{REGENERATE}`"
    saved, live = client.read_text(), client_sdl()
    assert saved == live, (
        f"schema.client.graphql differs from the live schema; regenerate it with `{REGENERATE}` and commit it.\n"
        f"{_difference(saved, live)}"
    )
