"""The Node tools the tests drive (tests/node): installed on demand, run with timeouts.

`ensure_node_modules()` runs `npm ci` in tests/node (or another directory: graphiql/) when
node_modules is missing or does not match package-lock.json (any direct dependency installed at
another version than the lock pins), under a file lock so concurrent test processes install once.
`run_node_json(script, *args)` runs a script from tests/node as a subprocess of the running event
loop (the servers under test keep serving meanwhile), kills it on timeout, and parses the JSON
document it prints.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import require_or_skip

NODE_DIR = Path(__file__).resolve().parent / "node"
GRAPHIQL_DIR = Path(__file__).resolve().parents[1] / "graphiql"  # the service's GraphiQL assets
NPM_CI_TIMEOUT_SECONDS = 600.0


def _direct_dependencies(directory: Path) -> dict[str, str]:
    manifest = json.loads((directory / "package.json").read_text())
    return dict(manifest.get("dependencies", {}))


def stale_packages(directory: Path = NODE_DIR) -> list[str]:
    """Direct dependencies whose installed version differs from package-lock.json (or are missing)."""
    locked = json.loads((directory / "package-lock.json").read_text())["packages"]
    stale = []
    for name in _direct_dependencies(directory):
        want = locked.get(f"node_modules/{name}", {}).get("version")
        installed = directory / "node_modules" / name / "package.json"
        have = json.loads(installed.read_text()).get("version") if installed.is_file() else None
        if have is None or have != want:
            stale.append(f"{name} (installed {have}, locked {want})")
    return stale


def require_node() -> None:
    """Skip (fail under CI) when node or npm is not on PATH."""
    require_or_skip(shutil.which("node") is not None and shutil.which("npm") is not None, "Node.js and npm needed")


def ensure_node_modules(directory: Path = NODE_DIR) -> Path:
    """`directory`/node_modules matching the lock file, running `npm ci` first when needed."""
    require_node()
    digest = hashlib.sha256(str(directory).encode()).hexdigest()[:12]
    lock_path = Path(tempfile.gettempdir()) / f"cig-npm-ci-{digest}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test process may be installing right now
        try:
            stale = stale_packages(directory)
            if stale:
                completed = subprocess.run(
                    ["npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"],
                    cwd=directory, capture_output=True, text=True, timeout=NPM_CI_TIMEOUT_SECONDS, check=False,
                )
                if completed.returncode != 0:
                    detail = completed.stderr[-4000:]
                    raise RuntimeError(f"npm ci failed in {directory} ({', '.join(stale)}):\n{detail}")
                still = stale_packages(directory)
                if still:
                    raise RuntimeError(f"npm ci left stale packages: {', '.join(still)}")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return directory / "node_modules"


@dataclass(frozen=True)
class NodeRun:
    returncode: int
    output: dict[str, Any]
    stderr: str


async def run_node_json(
    script: str, *args: str, timeout_seconds: float = 120.0, env: dict[str, str] | None = None
) -> NodeRun:
    """Run `node tests/node/<script> args...` and parse its stdout as one JSON document."""
    ensure_node_modules()
    process = await asyncio.create_subprocess_exec(
        "node", str(NODE_DIR / script), *args, cwd=NODE_DIR, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout_seconds)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"node {script} did not finish within {timeout_seconds} s") from None
    text = stdout.decode()
    try:
        output = json.loads(text)
    except json.JSONDecodeError:
        detail = f"{text[-2000:]}\n{stderr.decode()[-4000:]}"
        raise AssertionError(f"node {script} exited {process.returncode} without a JSON report:\n{detail}") from None
    return NodeRun(process.returncode if process.returncode is not None else -1, output, stderr.decode())
