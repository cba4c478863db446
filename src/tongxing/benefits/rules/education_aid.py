"""残疾学生教育资助: yearly aid for disabled students, by school level.

The amounts and whether the aid is means-tested are parameters under ``education_aid``;
the Bazhong values were not found, so the rule reports them missing until a city officer
enters them.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from tongxing.benefits.rules.base import (
    YEARLY,
    Benefit,
    Condition,
    Params,
    living_in_region,
    payment_month,
    valid_certificate,
)
from tongxing.registry.models import SchoolLevel

KEY = "education_aid"


class EducationAid(Benefit):
    def conditions(self, f: ir.Table, p: Params) -> list[Condition]:
        means_tested = bool(p.value(f"{KEY}.requires_low_income"))
        return [
            payment_month(f"{KEY}.payment_month", p),
            *living_in_region(f),
            *valid_certificate(f),
            Condition(
                "student",
                _("enrolled in school"),
                f.school_level.notnull(),
                facts=("school_level",),
            ),
            Condition(
                "hardship_household",
                _("from a 低保, 特困 or low-income household"),
                f.dibao | f.tekun | f.low_income,
                facts=("dibao", "tekun", "low_income"),
                parameters=(f"{KEY}.requires_low_income",),
                applies=means_tested,
            ),
        ]

    def amount(self, f: ir.Table, p: Params) -> ir.IntegerValue:
        return ibis.cases(
            *((f.school_level == level, p.fen(f"{KEY}.amount_{level}")) for level in SchoolLevel),
            else_=0,
        ).cast("int64")


EDUCATION_AID = EducationAid(
    code="education_aid",
    name=_("Education aid for disabled students (残疾学生教育资助)"),
    description=_("A yearly amount by school level."),
    frequency=YEARLY,
    amount_facts=("school_level",),
)
