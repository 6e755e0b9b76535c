"""Ordering inputs of `images`: `ImageOrder` (field and direction) and `ImageDistinctField`. They mirror
`resolvers.ordering` member for member (a unit test checks it)."""

from __future__ import annotations

import enum

import strawberry


@strawberry.enum(description="Sort direction. Images without a value for the field come last either way.")
class OrderDirection(enum.Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest, earliest or alphabetically first first.")
    DESC = strawberry.enum_value("DESC", description="Largest, newest or alphabetically last first.")


@strawberry.enum(description="What `images` can be sorted by.")
class ImageOrderField(enum.Enum):
    NAME = strawberry.enum_value("NAME", description="`name`, ignoring case.")
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="`createdAt` (JD Cloud only; Zenlayer images have "
                                       "none, so they come last).")
    SIZE_GIB = strawberry.enum_value("SIZE_GIB", description="`sizeGiB` (JD Cloud's file size, Zenlayer's disk "
                                     "size: prefer FILE_SIZE_GIB or DISK_SIZE_GIB).")
    FILE_SIZE_GIB = strawberry.enum_value("FILE_SIZE_GIB", description="`fileSizeGiB` (JD Cloud only; Zenlayer "
                                          "images have none, so they come last).")
    DISK_SIZE_GIB = strawberry.enum_value("DISK_SIZE_GIB", description="`diskSizeGiB`.")
    MIN_DISK_SIZE_GIB = strawberry.enum_value("MIN_DISK_SIZE_GIB", description="`minDiskSizeGiB`.")
    OS_FAMILY = strawberry.enum_value("OS_FAMILY", description="`os.family`, by its name.")
    OS_VERSION = strawberry.enum_value("OS_VERSION", description="`os.version`, component by component (`8.10` "
                                       "after `8.9`, `2012 R2` after `2012`).")


@strawberry.input(description="One sort key of `images`.")
class ImageOrder:
    field: ImageOrderField = strawberry.field(description="The field to sort by.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.ASC, description="ASC (default) or DESC.")


@strawberry.enum(description="Groups of `distinctOn`: one image per group is kept, the first under `orderBy`.")
class ImageDistinctField(enum.Enum):
    PROVIDER = strawberry.enum_value("PROVIDER", description="One image per cloud.")
    LOCATION = strawberry.enum_value("LOCATION", description="One image per zone or region.")
    OS_FAMILY = strawberry.enum_value("OS_FAMILY", description="One image per `os.family`.")
    OS_VERSION = strawberry.enum_value("OS_VERSION", description="One image per OS release: `os.family` and "
                                       "`os.version` together.")
