"""Who published an image, where the provider says: one small reader, so a typed field can replace it.

JD Cloud records carry `ownerPin`, the owner account's user PIN (`admin` for official images in its
docs' example); Zenlayer's Image has no owner field, so its images have none (their `source` still says
OFFICIAL, MARKETING or CUSTOM).
"""

from __future__ import annotations

from .base import ImageRecord
from .readers import label


def owner_of(record: ImageRecord) -> str | None:
    return label(record.raw.get("ownerPin"))
