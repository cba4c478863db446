"""How identifiers are shown when the viewer has not asked to reveal them.

First 6 and last 4 characters stay visible (domain.md §10): the first 6 name the county,
which staff need; a certificate number keeps its category and grade digits as well.
"""

from __future__ import annotations

from tongxing.core.fields import Undecryptable


def mask_id_number(value: str | None) -> str:
    if not value or isinstance(value, Undecryptable):
        return value or ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_certificate_number(value: str | None) -> str:
    if not value or isinstance(value, Undecryptable):
        return value or ""
    id_part, tail = value[:18], value[18:]
    return mask_id_number(id_part) + tail


def mask_phone(value: str | None) -> str:
    if not value or isinstance(value, Undecryptable):
        return value or ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
