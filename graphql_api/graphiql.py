"""GraphiQL's assets: Strawberry's page loads pinned packages from unpkg
(`https://unpkg.com/<package>@<version>/<file>`); with `CIG_GRAPHIQL_ASSETS_DIR` set (e.g. a
node_modules directory holding those packages) they are served from `ASSETS_PATH` instead, so the page
works without internet access. `missing_assets` is what the settings loader checks at startup, so a
directory without them is refused instead of serving a blank page."""

from __future__ import annotations

import re
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

UNPKG_ASSET = re.compile(r"https://unpkg\.com/((?:@[^/@\"]+/)?[^/@\"]+)@[^/\"]+/")
ASSETS_PATH = "/graphiql-assets/"
_ASSET_FILE = re.compile(r"https://unpkg\.com/((?:@[^/@\"]+/)?[^/@\"]+)@[^/\"]+/([^\"]+)")


def required_assets() -> list[str]:
    """The files the page loads, relative to the assets directory (e.g. `graphiql/graphiql.min.js`)."""
    return [f"{package}/{file}" for package, file in _ASSET_FILE.findall(get_graphql_ide_html())]


def missing_assets(directory: Path) -> list[str]:
    return [asset for asset in required_assets() if not (directory / asset).is_file()]
