"""The poverty-return risk rules: each a named test over one person's facts of a month.

Written once as Ibis expressions over the facts table of :mod:`tongxing.monitoring.engine`
and used both over an area (the monthly screening) and over one person (the explanation),
so the two cannot disagree. Thresholds are policy parameters read through
:class:`~tongxing.benefits.rules.base.Params` (which remembers them for the explanation);
the weight of each rule and the levels are in the region pack's ``risk/rules.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tongxing.benefits.rules.base import Params

INCOME_THRESHOLD = "monitoring.income_threshold"
MEDICAL_THRESHOLD = "monitoring.medical_expense_threshold"
LOOKBACK = "monitoring.lookback_months"
SEVERE_GRADES = "monitoring.severe_grades"


@dataclass(frozen=True)
class RiskRule:
    code: str
    label: str | Promise
    test: Callable[[ir.Table, Params], ir.BooleanValue]
    facts: tuple[str, ...]
    parameters: tuple[str, ...] = ()


def _low_income(f: ir.Table, p: Params) -> ir.BooleanValue:
    return f.household_income_fen < p.fen(INCOME_THRESHOLD)


def _medical(f: ir.Table, p: Params) -> ir.BooleanValue:
    return f.medical_fen >= p.fen(MEDICAL_THRESHOLD)


def _job_loss(f: ir.Table, p: Params) -> ir.BooleanValue:
    return f.employment_ended_on.notnull() & ~f.employed_at_end


def _disaster(f: ir.Table, p: Params) -> ir.BooleanValue:
    return f.disaster_on.notnull()


def _breadwinner(f: ir.Table, p: Params) -> ir.BooleanValue:
    return f.breadwinner_died_on.notnull() | f.breadwinner_ill_on.notnull()


def _no_caregiver(f: ir.Table, p: Params) -> ir.BooleanValue:
    grades = list(p.value(SEVERE_GRADES))
    return f.grade.isin(grades) & (f.has_caregiver == ibis.literal(0))


def _dibao_ended(f: ir.Table, p: Params) -> ir.BooleanValue:
    return f.dibao_ended_on.notnull() & ~f.dibao_at_end


RULES: tuple[RiskRule, ...] = (
    RiskRule(
        "low_income",
        _("household income per person below the monitoring range (latest completed survey)"),
        _low_income,
        facts=("survey_year", "household_income"),
        parameters=(INCOME_THRESHOLD,),
    ),
    RiskRule(
        "medical_expense",
        _("large medical expenses reported within the look-back period"),
        _medical,
        facts=("medical_expenses",),
        parameters=(MEDICAL_THRESHOLD, LOOKBACK),
    ),
    RiskRule(
        "job_loss",
        _("employment ended within the look-back period and not employed at the month's end"),
        _job_loss,
        facts=("employment_ended_on", "employed_at_end"),
        parameters=(LOOKBACK,),
    ),
    RiskRule(
        "disaster",
        _("damage from a disaster reported within the look-back period"),
        _disaster,
        facts=("disaster_on",),
        parameters=(LOOKBACK,),
    ),
    RiskRule(
        "breadwinner",
        _(
            "the head of the household died, or the breadwinner fell seriously ill, within the "
            "look-back period"
        ),
        _breadwinner,
        facts=("breadwinner_died_on", "breadwinner_ill_on"),
        parameters=(LOOKBACK,),
    ),
    RiskRule(
        "no_caregiver",
        _("severe disability without a caregiver (latest completed survey)"),
        _no_caregiver,
        facts=("grade", "has_caregiver"),
        parameters=(SEVERE_GRADES,),
    ),
    RiskRule(
        "dibao_ended",
        _("the household's 低保 ended within the look-back period and was not granted again"),
        _dibao_ended,
        facts=("dibao_ended_on", "dibao_at_end"),
        parameters=(LOOKBACK,),
    ),
)
BY_CODE = {rule.code: rule for rule in RULES}
CODES = tuple(BY_CODE)
