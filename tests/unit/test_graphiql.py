"""The GraphiQL page: the README's example, the docs panel, local assets only when complete."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from strawberry.http.ides import get_graphql_ide_html

from graphql_api.graphiql import (
    ASSETS_PATH,
    EXAMPLE_QUERY,
    Assets,
    PageTemplateChanged,
    find_assets,
    pinned_packages,
    render_page,
)

ROOT = Path(__file__).resolve().parents[2]
STRAWBERRY_PAGE = get_graphql_ide_html(graphql_ide="graphiql")


def test_the_page_opens_with_the_readme_example_and_the_docs_explorer() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"```graphql\n{EXAMPLE_QUERY}\n```" in readme  # one example, shown in both places
    page = render_page(STRAWBERRY_PAGE, Assets(Path("/assets")))
    assert EXAMPLE_QUERY in page and "Welcome to GraphiQL" not in page
    assert "visiblePlugin: GraphiQL.React.DOC_EXPLORER_PLUGIN" in page
    assert "unpkg.com" not in page and f"{ASSETS_PATH}graphiql/graphiql.min.js" in page
    assert page.count("integrity=") == STRAWBERRY_PAGE.count("integrity=")  # the browser still checks each file


def test_without_local_assets_the_page_explains_instead_of_loading_forever() -> None:
    page = render_page(STRAWBERRY_PAGE, Assets(None, "/x/node_modules lacks graphiql@3.8.3"))
    assert "https://unpkg.com/graphiql@3.8.3/graphiql.min.js" in page
    assert ">Loading...</div>" not in page
    assert "cannot reach unpkg.com" in page and "npm ci" in page and "/x/node_modules lacks graphiql@3.8.3" in page


def test_a_changed_strawberry_page_fails_loudly() -> None:
    with pytest.raises(PageTemplateChanged):
        render_page(STRAWBERRY_PAGE.replace("plugins: [explorerPlugin],", "plugins: [],"), Assets(None))


def test_the_graphiql_package_pins_what_the_page_loads() -> None:
    manifest = json.loads((ROOT / "graphiql" / "package.json").read_text())["dependencies"]
    assert pinned_packages(STRAWBERRY_PAGE).items() <= manifest.items()


def _install(root: Path, packages: dict[str, str]) -> None:
    for match in re.finditer(r"https://unpkg\.com/((?:@[^/@\"]+/)?[^/@\"]+)@([^/\"]+)/([^\"]+)", STRAWBERRY_PAGE):
        name, _, file = match.groups()
        (root / name / file).parent.mkdir(parents=True, exist_ok=True)
        (root / name / file).write_text("/* asset */")
    for name, version in packages.items():
        (root / name / "package.json").write_text(json.dumps({"name": name, "version": version}))


def test_assets_are_used_only_when_every_pinned_version_is_there(tmp_path: Path) -> None:
    pinned = pinned_packages(STRAWBERRY_PAGE)
    _install(tmp_path, pinned)
    assert find_assets(tmp_path, STRAWBERRY_PAGE) == Assets(tmp_path)

    _install(tmp_path, {**pinned, "react": "19.0.0"})
    found = find_assets(tmp_path, STRAWBERRY_PAGE)
    assert found.directory is None and "react@18.2.0 (found 19.0.0)" in (found.problem or "")
    assert "CIG_GRAPHIQL_ASSETS_DIR" in (found.problem or "")

    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_assets(empty, STRAWBERRY_PAGE).directory is None
