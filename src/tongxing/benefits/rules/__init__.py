"""The benefit rules, one small module each. Add a benefit by adding a module and listing
it here; the engine, the explanation page and the payroll pick it up."""

from __future__ import annotations

from tongxing.benefits.rules.base import Benefit
from tongxing.benefits.rules.education_aid import EDUCATION_AID
from tongxing.benefits.rules.living import LIVING_SUBSIDY
from tongxing.benefits.rules.nursing import NURSING_SUBSIDY
from tongxing.benefits.rules.pension_premium import PENSION_PREMIUM
from tongxing.benefits.rules.wheelchair_fuel import WHEELCHAIR_FUEL

BENEFITS: tuple[Benefit, ...] = (
    LIVING_SUBSIDY,
    NURSING_SUBSIDY,
    PENSION_PREMIUM,
    EDUCATION_AID,
    WHEELCHAIR_FUEL,
)
BY_CODE: dict[str, Benefit] = {b.code: b for b in BENEFITS}
CODES: tuple[str, ...] = tuple(BY_CODE)


def benefit_name(code: str) -> str:
    benefit = BY_CODE.get(code)
    return str(benefit.name) if benefit else code
