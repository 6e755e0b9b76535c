"""The GraphiQL page browsers get at `/graphql`: works offline, opens with an example and the docs.

Strawberry's page loads pinned packages from unpkg (`https://unpkg.com/<package>@<version>/<file>`).
This service serves those files itself from a local copy when it has one, so the page needs no
internet: `CIG_GRAPHIQL_ASSETS_DIR` when set, else `graphiql/node_modules` of this checkout, which
`python3 dev.py serve` fills with `npm ci` (`graphiql/package.json` pins the same versions the page
asks for). A copy is used only when every package is there at the version the page pins (the page
keeps its Subresource Integrity hashes, so a different file would be refused by the browser
anyway). Without one the page still loads from unpkg, and says in words, until GraphiQL replaces
the text, why and how to install the local copy; the startup log says the same.

The page opens with the README's example query (the editor keeps what the user types, in the URL
as before) and with the documentation explorer open.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

ASSETS_PATH = "/graphiql-assets/"
BUNDLED_ASSETS = Path(__file__).resolve().parent.parent / "graphiql" / "node_modules"
UNPKG_ASSET = re.compile(r"https://unpkg\.com/((?:@[^/@\"]+/)?[^/@\"]+)@([^/\"]+)/([^\"]+)")
TITLE = "cloud-images-graphql · GraphiQL"

# The README's example query (tests/unit/test_graphiql.py checks the README shows exactly this).
EXAMPLE_QUERY = """{
  images(first: 5, filter: { osType: LINUX, locations: ["asia-east-1a", "cn-north-1"] }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id provider location imageId name platform osVersion status diskSizeGiB tags { key value } } }
  }
  locations { provider id name countryCode }
}"""
EXAMPLE_HEADER = (
    "# cloud-images-graphql. Run this example with Ctrl-Enter or the run button; the documentation\n"
    "# explorer on the left lists every type, field and argument.\n"
)
INSTALL_HINT = (
    "install the local copy: <code>python3 dev.py serve</code> does it when npm is available, or run "
    "<code>npm ci</code> in the <code>graphiql/</code> directory of the checkout, or point "
    "<code>CIG_GRAPHIQL_ASSETS_DIR</code> at a <code>node_modules</code> directory holding {packages}; "
    "then restart the service"
)


class PageTemplateChanged(RuntimeError):
    """Strawberry's page no longer has a part this module rewrites (caught by the test suite)."""


@dataclass(frozen=True, slots=True)
class Assets:
    directory: Path | None  # served at ASSETS_PATH; None: the page loads from unpkg
    problem: str | None = None  # why no local copy is used

    @property
    def local(self) -> bool:
        return self.directory is not None


def pinned_packages(page: str) -> dict[str, str]:
    """Package name -> version for every unpkg file the page loads."""
    return {m.group(1): m.group(2) for m in UNPKG_ASSET.finditer(page)}


def find_assets(configured: Path | None, page: str) -> Assets:
    """The local copy to serve, or why there is none."""
    directory = configured or BUNDLED_ASSETS
    where = f"CIG_GRAPHIQL_ASSETS_DIR={configured}" if configured else f"{BUNDLED_ASSETS}"
    missing = []
    for name, version in pinned_packages(page).items():
        manifest = directory / name / "package.json"
        try:
            installed = json.loads(manifest.read_text()).get("version")
        except (OSError, ValueError):
            installed = None
        if installed != version:
            missing.append(f"{name}@{version}" + (f" (found {installed})" if installed else ""))
    if not missing:
        files = (m.groups() for m in UNPKG_ASSET.finditer(page))
        missing = [f"{name}/{file}" for name, _, file in files if not (directory / name / file).is_file()]
    if missing:
        return Assets(None, f"{where} lacks {', '.join(missing)}")
    return Assets(directory)


def _replace_once(page: str, old: str, new: str) -> str:
    if page.count(old) != 1:
        raise PageTemplateChanged(f"Strawberry's GraphiQL page no longer contains {old[:60]!r} exactly once")
    return page.replace(old, new)


def render_page(page: str, assets: Assets) -> str:
    """Strawberry's GraphiQL page with this service's title, example, docs panel and asset source."""
    if "`" in EXAMPLE_QUERY or "${" in EXAMPLE_QUERY:
        raise PageTemplateChanged("the example query must fit in a JavaScript template literal")
    page = _replace_once(page, "<title>Strawberry GraphiQL</title>", f"<title>{html.escape(TITLE)}</title>")
    start = page.find("const EXAMPLE_QUERY = `")
    end = page.find("`;", start)
    if start < 0 or end < 0:
        raise PageTemplateChanged("Strawberry's GraphiQL page no longer defines EXAMPLE_QUERY")
    page = page[:start] + f"const EXAMPLE_QUERY = `{EXAMPLE_HEADER}{EXAMPLE_QUERY}\n" + page[end:]
    page = _replace_once(
        page, "plugins: [explorerPlugin],",
        "plugins: [explorerPlugin],\n          visiblePlugin: GraphiQL.React.DOC_EXPLORER_PLUGIN,",
    )
    if assets.local:
        return UNPKG_ASSET.sub(lambda m: f"{ASSETS_PATH}{m.group(1)}/{m.group(3)}", page)
    packages = ", ".join(f"{name}@{version}" for name, version in pinned_packages(page).items())
    notice = (
        '<p style="font: 16px/1.5 sans-serif; margin: 2em; max-width: 48em">'
        "GraphiQL is loading its JavaScript from unpkg.com, because this service has no local copy of it "
        f"({html.escape(assets.problem or 'none configured')}). If this text stays, this browser cannot reach "
        f"unpkg.com: {INSTALL_HINT.format(packages=html.escape(packages))}. The API itself works without "
        "GraphiQL: POST GraphQL queries to this URL.</p>"
    )
    return _replace_once(page, ">Loading...</div>", f">{notice}</div>")
