"""城乡居民养老保险: the premium the government pays for severely disabled insured persons.

国发〔2014〕8号: local government pays part or all of the minimum premium for 重度残疾人 and
others who cannot pay. Paid once a year to the insurance fund, not to the person.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from tongxing.benefits.rules.base import (
    PAYS_INSURANCE_FUND,
    YEARLY,
    Benefit,
    Condition,
    Params,
    living_in_region,
    payment_month,
    valid_certificate,
)

KEY = "insurance.resident_pension"


class PensionPremium(Benefit):
    def conditions(self, f: ir.Table, p: Params) -> list[Condition]:
        youngest = p.value(f"{KEY}.contribution_age_min")
        oldest = p.value(f"{KEY}.contribution_age_max")
        return [
            payment_month(f"{KEY}.payment_month", p),
            *living_in_region(f),
            *valid_certificate(f),
            Condition(
                "severe_grade",
                _("a grade for which the government pays the premium"),
                f.grade.isin(list(p.value(f"{KEY}.premium_grades"))).fill_null(False),
                facts=("grade",),
                parameters=(f"{KEY}.premium_grades",),
            ),
            Condition(
                "contribution_age",
                _("of an age that pays premiums"),
                f.age.between(youngest, oldest),
                facts=("age",),
                parameters=(f"{KEY}.contribution_age_min", f"{KEY}.contribution_age_max"),
            ),
            Condition(
                "insured",
                _("enrolled in the urban-rural resident pension insurance"),
                f.resident_pension,
                facts=("resident_pension",),
            ),
        ]

    def amount(self, f: ir.Table, p: Params) -> ir.IntegerValue:
        return ibis.literal(p.fen(f"{KEY}.premium_amount"), type="int64")


PENSION_PREMIUM = PensionPremium(
    code="pension_premium",
    name=_("Resident pension premium paid by the government (城乡居民养老保险代缴)"),
    description=_("The yearly minimum premium, paid to the pension fund for the person."),
    frequency=YEARLY,
    payee=PAYS_INSURANCE_FUND,
)
