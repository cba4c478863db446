from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist

from tongxing.registry.models import DisabilityCertificate, Person

register = template.Library()


@register.filter
def get(mapping: dict, key: object) -> object:
    return mapping.get(key)


@register.filter
def field_label(name: str) -> str:
    """The human label of a field named in a change-history row (``certificate.grade``)."""
    model: type = Person
    if name.startswith("certificate."):
        model, name = DisabilityCertificate, name.removeprefix("certificate.")
    try:
        return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name
