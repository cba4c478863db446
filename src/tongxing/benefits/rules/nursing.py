"""重度残疾人护理补贴: nursing subsidy for severely disabled persons.

国发〔2015〕52号: grades 1 and 2 who need long-term care; localities may extend it to
grade 3–4 intellectual and mental disability. Amount per grade. Overlaps (Sichuan,
川民规〔2024〕1号 [3P]): not with 特困 support or the work-injury nursing allowance; with the
elderly care subsidy the higher one applies, so this subsidy is paid only when higher.
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

KEY = "subsidies.nursing"
INTELLECTUAL, MENTAL = 5, 6


class NursingSubsidy(Benefit):
    def _extended(self, p: Params) -> bool:
        return bool(p.value(f"{KEY}.extended_to_grade_3_4_intellectual_mental"))

    def conditions(self, f: ir.Table, p: Params) -> list[Condition]:
        grades = list(p.value(f"{KEY}.eligible_grades"))
        severe = f.grade.isin(grades)
        if self._extended(p):
            severe = severe | (f.grade.isin([3, 4]) & f.category.isin([INTELLECTUAL, MENTAL]))
        conditions = [
            *living_in_region(f),
            *valid_certificate(f),
            Condition(
                "severe_grade",
                _("a grade that the nursing subsidy covers"),
                severe.fill_null(False),
                facts=("grade", "category"),
                parameters=(
                    f"{KEY}.eligible_grades",
                    f"{KEY}.extended_to_grade_3_4_intellectual_mental",
                ),
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
        higher_applies = bool(p.value(f"{KEY}.elderly_care_higher_applies"))
        conditions.append(
            Condition(
                "higher_than_elderly_care",
                _("higher than the elderly care subsidy the person receives (the higher applies)"),
                (f.elderly_care_fen == 0) | (self._standard(f, p) > f.elderly_care_fen),
                facts=("elderly_care_fen",),
                parameters=(f"{KEY}.elderly_care_higher_applies",),
                applies=higher_applies,
            )
        )
        return conditions

    def _standard(self, f: ir.Table, p: Params) -> ir.IntegerValue:
        cases = [
            (f.grade == 1, p.fen(f"{KEY}.amount_grade_1")),
            (f.grade == 2, p.fen(f"{KEY}.amount_grade_2")),
        ]
        if self._extended(p):
            cases.append((f.grade.isin([3, 4]), p.fen(f"{KEY}.amount_extension")))
        return ibis.cases(*cases, else_=0).cast("int64")

    def amount(self, f: ir.Table, p: Params) -> ir.IntegerValue:
        return self._standard(f, p)


NURSING_SUBSIDY = NursingSubsidy(
    code="nursing_subsidy",
    name=_("Nursing subsidy for severely disabled persons (重度残疾人护理补贴)"),
    description=_("A monthly amount by grade for grade 1 and 2 disabled persons."),
    amount_facts=("grade",),
)
