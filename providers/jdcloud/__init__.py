"""JD Cloud Virtual Machines (vm) and Cloud Disk (disk), OpenAPI v1.

    spec.py      SPEC: this provider's registration (providers/registry.py lists it)
    config.py    the `[jdcloud]` settings section (JDCLOUD_*)
    signing.py   JDCLOUD3-HMAC-SHA256 as named steps; credentials, demo credentials; JDCLOUD2/3 verify
    models.py    wire format: query codec, envelopes -> error tree
    records.py   vocabularies, tolerant Image/Disk readers, pushdown values
    pushdown.py  image and volume queries as describeImages / describeDisks parameters
    client.py    JdcloudClient: the ImageCatalog over describeImages / describeDisks
    emulator.py  one aiohttp app that behaves like both documented endpoints (and `run` for the CLI)
    catalog.py   the deterministic demo catalog the emulator serves
"""

from __future__ import annotations

from .client import JdcloudClient
from .signing import DEMO_CREDENTIALS, JdcloudCredentials

__all__ = ["DEMO_CREDENTIALS", "JdcloudClient", "JdcloudCredentials"]
