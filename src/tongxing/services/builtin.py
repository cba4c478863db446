"""Checks for the generic service types that their YAML cannot say, registered through
the same extension point other apps use (:mod:`tongxing.services.handlers`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tongxing.benefits.engine import eligibility_conditions
from tongxing.benefits.inputs import Scope, read_inputs
from tongxing.benefits.parameters import ParameterSet
from tongxing.benefits.rules.base import Benefit
from tongxing.benefits.rules.education_aid import EDUCATION_AID
from tongxing.registry.models import Category, Person
from tongxing.services.handlers import EligibilityCheck, register_eligibility_check


def severe_if_physical(person: Person, answers: dict[str, Any], day: dt.date) -> list[str]:
    """托养 (阳光家园) takes physical disability only when it is severe (grade 1 or 2)."""
    certificate = getattr(person, "certificate", None)
    if certificate and certificate.category == Category.PHYSICAL and certificate.grade > 2:
        return [_("Care services take physical disability of grade 1 or 2 only.")]
    return []


def benefit_rule_check(benefit: Benefit) -> EligibilityCheck:
    """A pre-check running ``benefit``'s own eligibility conditions (from the benefits
    engine) for the person on the day of the application; each failed condition is a
    reason, in the rule's wording. An amount or switch the region has not entered does
    not refuse: applying is how the case reaches the officer who decides it."""

    def check(person: Person, answers: dict[str, Any], day: dt.date) -> list[str]:
        inputs = read_inputs(Scope.persons([person.pk]))
        conditions = eligibility_conditions(inputs, person.pk, day, benefit, ParameterSet.load())
        return [
            _("%(benefit)s requires: %(condition)s.")
            % {"benefit": benefit.name, "condition": condition.label}
            for condition in conditions
            if condition.applies and not condition.passed
        ]

    check.__name__ = f"{benefit.code}_rule"
    return check


# Built once: registering the same function object twice is harmless (``ready`` may
# run twice in tests), a fresh closure each time would not be.
_education_aid_rule = benefit_rule_check(EDUCATION_AID)


def register() -> None:
    register_eligibility_check("care_services", severe_if_physical)
    register_eligibility_check("education_aid", _education_aid_rule)
