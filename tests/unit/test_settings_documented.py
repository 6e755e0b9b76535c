"""Every setting the loader reads is a row of the README's settings table, so no limit or default is
undocumented: the declared service settings and every variable a provider section reads."""

from __future__ import annotations

from pathlib import Path

from graphql_api.settings import CONFIG_VARIABLE, DECLARED, variable
from providers.registry import PROVIDERS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `")]
    asked: set[str] = set()
    for spec in PROVIDERS:
        spec.load_settings(lambda name: asked.add(name))  # type: ignore[func-returns-value]
    names = {variable(f.name) for f in DECLARED} | asked | {CONFIG_VARIABLE}
    missing = sorted(name for name in names if not any(f"`{name}`" in row for row in rows))
    assert not missing, f"settings without a README row: {missing}"
