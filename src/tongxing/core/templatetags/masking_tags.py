from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def masked(value: str | None) -> SafeString | str:
    """A masked number that a screen reader reads as "511902, 8 hidden, 002X", not as
    "star star star…"; sighted users see the usual asterisks."""
    if not value or "*" not in value:
        return value or ""
    first = value.index("*")
    last = value.rindex("*")
    hidden = last - first + 1
    spoken = _("%(start)s, %(count)d characters hidden, %(end)s") % {
        "start": value[:first],
        "count": hidden,
        "end": value[last + 1 :],
    }
    return format_html(
        '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>', value, spoken
    )
