"""JD Cloud Virtual Machines (vm) and Cloud Disk (disk), OpenAPI v1.

    signing.py   JDCLOUD3-HMAC-SHA256 as named steps; credentials, demo credentials; JDCLOUD2/3 verify
    models.py    query codec, envelopes -> error tree, tolerant Image/Disk readers, pushdown values
    client.py    JdcloudClient: the ImageCatalog over describeImages / describeImage / describeDisks
    emulator.py  one aiohttp app that behaves like both documented endpoints (and `run` for the CLI)

The demo catalog the emulator serves lives in `providers/jdcloud/catalog.py`.
"""

from __future__ import annotations

from .client import JdcloudClient
from .signing import DEMO_CREDENTIALS, JdcloudCredentials

__all__ = ["DEMO_CREDENTIALS", "JdcloudClient", "JdcloudCredentials"]
