"""Bootstrap for a fresh machine that has only Python 3.11+ (standard library only).

    python3 dev.py serve [serve options]   # the service (demo mode unless credentials are set)
    python3 dev.py test  [pytest options]  # the whole test suite

Each command first brings `.venv` in line with the lock file it needs (hash-checked installs from
`requirements/*.lock`, regenerated with `uv pip compile`, see README), then runs. The test command also
installs the Node packages under `tests/node/` with `npm ci` and, as root on Debian, Chromium for the
GraphiQL check, when they are missing. Both commands install GraphiQL's JavaScript under `graphiql/`
(`npm ci`) when npm is available, so the GraphiQL page works without internet access.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
STAMP = VENV / ".installed-lock"
NODE_DIR = ROOT / "tests" / "node"
GRAPHIQL_DIR = ROOT / "graphiql"


def _run(cmd: list[str], **kwargs: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def ensure_venv(lock_name: str) -> None:
    """Create .venv and install the locked dependencies once per lock-file content."""
    lock = ROOT / "requirements" / lock_name
    digest = lock_name + ":" + hashlib.sha256(lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() in (digest, _dev_digest()):
        return
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    py = str(BIN / "python")
    _run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", str(lock)])
    _run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", str(ROOT)])
    STAMP.write_text(digest)


def _dev_digest() -> str:
    # A venv with the dev lock also satisfies the runtime lock (dev is a superset).
    lock = ROOT / "requirements" / "dev.lock"
    return "dev.lock:" + hashlib.sha256(lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_node_packages(directory: Path, without_npm: str) -> bool:
    """`npm ci` in `directory` once per lock-file content; False (after saying why) when it cannot."""
    if shutil.which("npm") is None:
        print(f"npm not found: {without_npm}", flush=True)
        return False
    lock = directory / "package-lock.json"
    stamp = directory / "node_modules" / ".installed-lock"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return True
    try:
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=directory)
    except subprocess.CalledProcessError:
        print(f"npm ci failed in {directory}: {without_npm}", flush=True)
        return False
    stamp.write_text(digest)
    return True


def ensure_graphiql_assets() -> None:
    # Without them the service still starts: its GraphiQL page then loads from unpkg and says so.
    ensure_node_packages(GRAPHIQL_DIR, "GraphiQL will load its JavaScript from unpkg.com (needs internet access)")


def ensure_chromium() -> None:
    if shutil.which("chromium") or os.environ.get("CIG_CHROMIUM"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        _run(["apt-get", "update", "-qq"])
        _run(["apt-get", "install", "-y", "-qq", "chromium"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    else:
        print("chromium not found and not root: the GraphiQL browser test will skip (or fail when CI is set)")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"serve", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "serve":
        ensure_venv("runtime.lock")
        ensure_graphiql_assets()
        os.execv(str(BIN / "cloud-images-graphql"), ["cloud-images-graphql", "serve", *rest])
    ensure_venv("dev.lock")
    ensure_node_packages(NODE_DIR, "federation and browser tests will skip (or fail when CI is set)")
    ensure_graphiql_assets()
    ensure_chromium()
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
