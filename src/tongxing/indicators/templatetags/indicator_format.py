from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from tongxing.indicators.evaluation import number_text

register = template.Library()


@register.filter
def num(value: Any) -> str:
    """A figure without trailing zeros of a whole number ("90", "87.50"); empty for None."""
    if value is None or value == "":
        return ""
    return number_text(Decimal(str(value))) or ""
