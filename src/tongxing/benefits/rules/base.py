"""What a benefit rule is: named conditions and an amount, over the facts of one day.

A rule is written once, as Ibis expressions over the facts of one day
(:func:`tongxing.benefits.facts.long_facts`), and the engine uses it both over a whole
county for the payroll (reading each day's facts from the columns of the wide facts) and
over one person for an explanation; the explanation therefore cannot disagree with the
payment.
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import ibis
import ibis.expr.types as ir
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from tongxing.benefits.parameters import ParameterAt, ParameterSet

MONTHLY = "monthly"
YEARLY = "yearly"
PAYS_PERSON = "person"
PAYS_INSURANCE_FUND = "insurance_fund"


class Params:
    """The parameter values one rule reads for one day, remembered for the explanation."""

    def __init__(self, parameters: ParameterSet, day: dt.date) -> None:
        self.parameters = parameters
        self.day = day
        self.used: dict[str, ParameterAt] = {}

    def at(self, key: str) -> ParameterAt:
        if key not in self.used:
            self.used[key] = self.parameters.at(key, self.day)
        return self.used[key]

    def value(self, key: str) -> Any:
        return self.at(key).value

    def fen(self, key: str) -> int:
        """A money parameter in fen: the engine adds integers, never floats."""
        amount = self.value(key)
        if not isinstance(amount, Decimal):
            raise TypeError(f"{key} is not an amount of money")
        return int(amount * 100)


@dataclass(frozen=True)
class Condition:
    """One named test. ``applies`` is False when a parameter switches the test off (an
    exclusion a province does not apply): it then passes and is shown as not applied."""

    code: str
    label: str | Promise
    test: ir.BooleanValue
    facts: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    applies: bool = True


@dataclass(frozen=True)
class Benefit(abc.ABC):
    code: str
    name: str | Promise
    description: str | Promise
    frequency: str = MONTHLY
    payee: str = PAYS_PERSON
    # Shown on the explanation beside the conditions: facts the amount depends on.
    amount_facts: tuple[str, ...] = field(default=())

    @abc.abstractmethod
    def conditions(self, f: ir.Table, p: Params) -> list[Condition]:
        """The named tests a person must pass, in the order they are explained."""

    @abc.abstractmethod
    def amount(self, f: ir.Table, p: Params) -> ir.IntegerValue:
        """The amount in fen for one payment, where every condition holds."""


def payment_month(key: str, p: Params) -> Condition:
    """For a yearly benefit: it goes into the payroll of one month of the year."""
    month = p.value(key)
    return Condition(
        "payment_month",
        gettext("paid once a year, in the payroll of month %(month)s") % {"month": month},
        ibis.literal(p.day.month == month),
        parameters=(key,),
    )


def living_in_region(f: ir.Table) -> list[Condition]:
    return [
        Condition("alive", gettext_lazy("alive"), f.alive, facts=("alive",)),
        Condition(
            "resident",
            gettext_lazy("registered in the region (has not moved out)"),
            f.resident,
            facts=("resident",),
        ),
    ]


def valid_certificate(f: ir.Table) -> list[Condition]:
    return [
        Condition(
            "certificate_in_force",
            gettext_lazy("holds a disability certificate that is not frozen or cancelled"),
            f.cert_in_force,
            facts=("cert_status",),
        ),
        Condition(
            "certificate_not_expired",
            gettext_lazy("the certificate has not expired"),
            f.cert_not_expired,
            facts=("valid_until",),
        ),
    ]


def excluded_when(
    code: str, label: str | Promise, fact: ir.BooleanValue, fact_name: str, key: str, p: Params
) -> Condition:
    """An exclusion that a boolean parameter switches on or off."""
    return Condition(
        code, label, ~fact, facts=(fact_name,), parameters=(key,), applies=bool(p.value(key))
    )
