"""残疾人机动轮椅车燃油补贴: yearly fuel subsidy for a motorised wheelchair.

For physically disabled persons (肢体, or 多重 including 肢体) who hold a licensed motorised
wheelchair. The amount was not found; see ``subsidies.wheelchair_fuel``.
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

KEY = "subsidies.wheelchair_fuel"


class WheelchairFuel(Benefit):
    def conditions(self, f: ir.Table, p: Params) -> list[Condition]:
        return [
            payment_month(f"{KEY}.payment_month", p),
            *living_in_region(f),
            *valid_certificate(f),
            Condition(
                "physical",
                _("a physical disability (alone or among multiple disabilities)"),
                f.physical.fill_null(False),
                facts=("category",),
            ),
            Condition(
                "motorised_wheelchair",
                _("holds a licensed motorised wheelchair"),
                f.motor_wheelchair,
                facts=("motor_wheelchair",),
            ),
        ]

    def amount(self, f: ir.Table, p: Params) -> ir.IntegerValue:
        return ibis.literal(p.fen(f"{KEY}.amount"), type="int64")


WHEELCHAIR_FUEL = WheelchairFuel(
    code="wheelchair_fuel",
    name=_("Motorised wheelchair fuel subsidy (机动轮椅车燃油补贴)"),
    description=_("A yearly amount for the fuel of a licensed motorised wheelchair."),
    frequency=YEARLY,
)
