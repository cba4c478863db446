from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from tongxing.registry.models import DisabilityCertificate, Person

register = template.Library()


@register.filter
def get(mapping: dict, key: object) -> object:
    return mapping.get(key)


def _field(name: str) -> models.Field | None:
    model: type = Person
    if name.startswith("certificate."):
        model, name = DisabilityCertificate, name.removeprefix("certificate.")
    try:
        return model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return None


@register.filter
def field_label(name: str) -> str:
    """The human label of a field named in a change-history row (``certificate.grade``)."""
    field = _field(name)
    return str(field.verbose_name) if field is not None else name


@register.filter
def field_value(value: object, name: str) -> object:
    """A recorded value in words: 'valid' → 有效, 4 → 肢体残疾, as the field's choices say."""
    field = _field(name)
    if field is None or not field.choices or value in (None, ""):
        return value
    return dict(field.flatchoices).get(value, value)
