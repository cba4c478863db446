"""Checks for the generic service types that their YAML cannot say, registered through
the same extension point other apps use (:mod:`tongxing.services.handlers`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tongxing.registry.models import Category, Person
from tongxing.services.handlers import register_eligibility_check


def severe_if_physical(person: Person, answers: dict[str, Any], day: dt.date) -> list[str]:
    """托养 (阳光家园) takes physical disability only when it is severe (grade 1 or 2)."""
    certificate = getattr(person, "certificate", None)
    if certificate and certificate.category == Category.PHYSICAL and certificate.grade > 2:
        return [_("Care services take physical disability of grade 1 or 2 only.")]
    return []


def register() -> None:
    register_eligibility_check("care_services", severe_if_physical)
