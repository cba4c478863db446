"""The benefit engine's decisions in plain words for citizens.

The engine's own condition labels are written for staff (they name rules and facts);
here each condition code gets a sentence a family understands, for when it holds and
for when it does not. A condition without a sentence here falls back to the staff label,
so a new rule is never silently left out of the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxing.benefits.engine import BenefitOutcome

# (benefit code or "", condition code) -> (when met, when not met). "" matches any benefit.
REASONS: dict[tuple[str, str], tuple[Promise, Promise]] = {
    ("", "alive"): (gettext_lazy("Alive."), gettext_lazy("Recorded as deceased.")),
    ("", "resident"): (
        gettext_lazy("Registered as living in the region."),
        gettext_lazy("Recorded as having moved out of the region."),
    ),
    ("", "certificate_in_force"): (
        gettext_lazy("The disability certificate is in use."),
        gettext_lazy("The disability certificate is frozen or cancelled."),
    ),
    ("", "certificate_not_expired"): (
        gettext_lazy("The disability certificate has not expired."),
        gettext_lazy("The disability certificate has expired. It needs to be renewed."),
    ),
    ("", "hardship_household"): (
        gettext_lazy("The household gets the minimum living allowance (低保) or is low-income."),
        gettext_lazy(
            "The household does not get the minimum living allowance (低保) and is not "
            "recorded as low-income."
        ),
    ),
    ("", "not_tekun"): (
        gettext_lazy("Not in extreme-poverty support (特困), which would pay this instead."),
        gettext_lazy("Already in extreme-poverty support (特困), which covers this."),
    ),
    ("", "no_work_injury_nursing"): (
        gettext_lazy("No work-injury nursing allowance, which would pay this instead."),
        gettext_lazy("Already gets the work-injury nursing allowance, which covers this."),
    ),
    ("nursing_subsidy", "severe_grade"): (
        gettext_lazy("The disability grade is one this subsidy covers."),
        gettext_lazy("This subsidy is for grade 1 and grade 2 disabilities."),
    ),
    ("nursing_subsidy", "higher_than_elderly_care"): (
        gettext_lazy("Higher than the elderly care subsidy, so this one is paid."),
        gettext_lazy("The elderly care subsidy is as high or higher, so that one is paid."),
    ),
    ("pension_premium", "severe_grade"): (
        gettext_lazy("The disability grade is one for which the government pays the premium."),
        gettext_lazy("The government pays the premium for severe disability grades only."),
    ),
    ("", "contribution_age"): (
        gettext_lazy("Of an age that pays pension premiums."),
        gettext_lazy("Not of an age that pays pension premiums."),
    ),
    ("", "insured"): (
        gettext_lazy("Enrolled in the resident pension insurance."),
        gettext_lazy("Not enrolled in the resident pension insurance."),
    ),
    ("", "student"): (
        gettext_lazy("Enrolled in school."),
        gettext_lazy("Not recorded as enrolled in school."),
    ),
    ("", "physical"): (
        gettext_lazy("Has a physical disability."),
        gettext_lazy("This is for persons with a physical disability."),
    ),
    ("", "motorised_wheelchair"): (
        gettext_lazy("Has a licensed motorised wheelchair."),
        gettext_lazy("No licensed motorised wheelchair is recorded."),
    ),
}


@dataclass
class PlainEntitlement:
    name: str
    # "paid", "entitled" (but no approved application), "not_entitled", "not_decided"
    state: str
    amount: Decimal | None = None
    yearly: bool = False
    reasons_met: list[str] = field(default_factory=list)
    reasons_not_met: list[str] = field(default_factory=list)
    # Some standard this decision used is not yet confirmed against its official source.
    unconfirmed: bool = False


def _sentence(benefit: str, code: str, passed: bool, fallback: str) -> str:
    pair = REASONS.get((benefit, code)) or REASONS.get(("", code))
    if pair is None:
        return fallback
    return str(pair[0] if passed else pair[1])


def plain_entitlements(outcomes: list[BenefitOutcome]) -> list[PlainEntitlement]:
    """One plain summary per benefit; conditions a standard switched off are left out."""
    plain = []
    for outcome in outcomes:
        entry = PlainEntitlement(
            name=str(outcome.benefit.name),
            state="not_decided",
            yearly=outcome.benefit.frequency == "yearly",
        )
        plain.append(entry)
        if outcome.problem:
            continue
        if outcome.paid:
            entry.state, entry.amount = "paid", outcome.amount
        elif outcome.eligible:
            entry.state, entry.amount = "entitled", outcome.amount
        else:
            entry.state = "not_entitled"
        entry.unconfirmed = any(not p.verified for p in outcome.parameters)
        for condition in outcome.conditions:
            if not condition.applies:
                continue
            if condition.code == "payment_month":
                if not condition.passed:
                    entry.reasons_not_met.append(_("Paid once a year, in another month."))
                continue
            text = _sentence(
                outcome.benefit.code, condition.code, condition.passed, condition.label
            )
            (entry.reasons_met if condition.passed else entry.reasons_not_met).append(text)
    return plain
