"""Zenlayer Elastic Compute (ZEC), API 2.0, version 2025-09-01.

    signing.py   ZC2-HMAC-SHA256 as named steps; credentials, token, demo credentials
    models.py    request bodies, envelopes -> error tree, tolerant record readers, pushdown values
    client.py    ZenlayerClient: the ImageCatalog over DescribeZones / DescribeImages / DescribeDisks
    emulator.py  an aiohttp app that behaves like the documented API (and `run` for the CLI)

The demo catalog the emulator serves lives in `providers/zenlayer/catalog.py`.
"""

from __future__ import annotations

from .client import ZenlayerClient
from .signing import DEMO_CREDENTIALS, ZenlayerCredentials, ZenlayerToken

__all__ = ["DEMO_CREDENTIALS", "ZenlayerClient", "ZenlayerCredentials", "ZenlayerToken"]
