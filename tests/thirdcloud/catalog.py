"""The third cloud's demo catalog: two regions, a few images and volumes each."""

from __future__ import annotations

from typing import Any

REGIONS = ("tc-east", "tc-west")

IMAGES: dict[str, list[dict[str, Any]]] = {
    "tc-east": [
        {"id": "tci-1", "name": "Debian 12", "family": "debian", "os": "linux", "public": True},
        {"id": "tci-2", "name": "Windows 2022", "family": "windows", "os": "windows", "public": True},
        {"id": "tci-3", "name": "my-app", "family": "debian", "os": "linux", "public": False},
    ],
    "tc-west": [
        {"id": "tci-4", "name": "Debian 12", "family": "debian", "os": "linux", "public": True},
        {"id": "tci-5", "name": "Alpine 3", "family": "alpine", "os": "linux", "public": True},
    ],
}

VOLUMES: dict[str, list[dict[str, Any]]] = {
    "tc-east": [{"id": "tcv-1", "name": "data", "sizeGiB": 20, "state": "attached"}],
    "tc-west": [{"id": "tcv-2", "name": "scratch", "sizeGiB": 50, "state": "free"},
                {"id": "tcv-3", "name": "logs", "sizeGiB": 10, "state": "free"}],
}

DEMO_TOKEN = "demo-thirdcloud-token"
