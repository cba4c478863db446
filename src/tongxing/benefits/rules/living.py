"""困难残疾人生活补贴: living subsidy for disabled persons in hardship.

国发〔2015〕52号: disabled persons in 低保 households; localities may extend it to low-income
households. Sichuan's amount and exclusions are parameters under ``subsidies.living``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
from django.utils.translation import gettext_lazy as _

from tongxing.benefits.rules.base import (
    Benefit,
    Condition,
    Params,
    excluded_when,
    living_in_region,
    valid_certificate,
)

KEY = "subsidies.living"


class LivingSubsidy(Benefit):
    def conditions(self, f: ir.Table, p: Params) -> list[Condition]:
        low_income_counts = bool(p.value(f"{KEY}.covers_low_income_households"))
        return [
            *living_in_region(f),
            *valid_certificate(f),
            Condition(
                "hardship_household",
                _("the household receives 低保 (or is low-income, where that is covered)"),
                f.dibao | (ibis.literal(low_income_counts) & f.low_income),
                facts=("dibao", "low_income"),
                parameters=(f"{KEY}.covers_low_income_households",),
            ),
            excluded_when(
                "not_tekun",
                _("not under 特困 extreme poverty support"),
                f.tekun,
                "tekun",
                f"{KEY}.excludes_tekun",
                p,
            ),
            excluded_when(
                "no_work_injury_nursing",
                _("does not receive the work-injury nursing allowance"),
                f.work_injury_nursing_fen > 0,
                "work_injury_nursing_fen",
                f"{KEY}.excludes_work_injury_nursing",
                p,
            ),
        ]

    def amount(self, f: ir.Table, p: Params) -> ir.IntegerValue:
        return ibis.literal(p.fen(f"{KEY}.amount"), type="int64")


LIVING_SUBSIDY = LivingSubsidy(
    code="living_subsidy",
    name=_("Living subsidy for disabled persons in hardship (困难残疾人生活补贴)"),
    description=_("A monthly amount for disabled persons in 低保 households."),
)
