"""Zenlayer Elastic Compute (ZEC), API 2.0, version 2025-09-01.

    spec.py      SPEC: this provider's registration (providers/registry.py lists it)
    config.py    the `[zenlayercloud]` settings section (ZENLAYERCLOUD_*)
    signing.py   ZC2-HMAC-SHA256 as named steps; credentials, token, demo credentials
    models.py    wire format: request bodies, envelopes -> error tree
    records.py   tolerant record readers, vocabularies, pushdown values
    pushdown.py  image and volume queries as DescribeImages / DescribeDisks parameters
    client.py    ZenlayerClient: the ImageCatalog over DescribeZones / DescribeImages / DescribeDisks
    emulator.py  an aiohttp app that behaves like the documented API (and `run` for the CLI)
    catalog.py   the deterministic demo catalog the emulator serves
"""

from __future__ import annotations

from .client import ZenlayerClient
from .signing import DEMO_CREDENTIALS, ZenlayerCredentials, ZenlayerToken

__all__ = ["DEMO_CREDENTIALS", "ZenlayerClient", "ZenlayerCredentials", "ZenlayerToken"]
