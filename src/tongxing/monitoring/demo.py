"""Demo risk monitoring: a few reported hardships in the demo township, then the screening
of the whole city for November and December 2025 (the demo month), so a township officer
finds explained cases to help and close.

Deterministic: one ``random.Random(seed)`` over the township's living persons in id
order. Assumptions, for a plausible demo and not statistics: about 2% of the township's
persons reported a disaster (a flood in July 2025 and a landslide in December), 1% a
breadwinner's serious illness in December 2025. Medical expenses are not drawn: the
medical and income thresholds are ``not_found`` in the region pack, so those two rules
show as "not checked" until a city officer proposes values. The other risks come from the
registry, employment and survey demos (deaths of household heads, jobs ended, 低保 ended,
severe disability without a caregiver). Re-running changes nothing: the hardships are
written once (marked by their note), and a screening re-run replaces its own results.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from tongxing.accounts.models import User
from tongxing.core.scoping import prefix_q
from tongxing.monitoring.actions import screen_month
from tongxing.monitoring.models import Circumstance, CircumstanceKind, Screening
from tongxing.monitoring.ruleset import load_risk_rules
from tongxing.registry.demo import REFERENCE_DATE
from tongxing.registry.models import Person, PersonStatus

DEMO_TOWNSHIP = "511902001"
DEMO_CITY = "5119"
DEMO_NOTE = "demo"
DEMO_MONTHS = (dt.date(2025, 11, 1), REFERENCE_DATE.replace(day=1))
HARDSHIPS = (
    (CircumstanceKind.DISASTER, dt.date(2025, 7, 12), 0.01, "flood"),
    (CircumstanceKind.DISASTER, dt.date(2025, 12, 3), 0.01, "landslide"),
    (CircumstanceKind.BREADWINNER_ILLNESS, dt.date(2025, 12, 9), 0.01, "stroke"),
)


@dataclass
class DemoMonitoringReport:
    hardships: int = 0
    screenings: list[Screening] | None = None


def generate_monitoring_demo(region: str, seed: int) -> DemoMonitoringReport:
    load_risk_rules(region)
    report = DemoMonitoringReport()
    recorder = User.objects.filter(username="township").first()
    if recorder is None:
        raise ValueError("the demo accounts are missing: run prepare_demo (or make demo) first")
    persons = list(
        Person.objects.filter(prefix_q("area_id", DEMO_TOWNSHIP), status=PersonStatus.ACTIVE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    demo_rows = Circumstance.objects.filter(
        prefix_q("person__area_id", DEMO_TOWNSHIP), note__startswith=DEMO_NOTE
    )
    if not demo_rows.exists():
        rng = random.Random(seed)  # noqa: S311 - a reproducible demo, not a secret
        now = timezone.now()
        rows = []
        for person_id in persons:
            for kind, day, share, what in HARDSHIPS:
                if rng.random() < share:
                    rows.append(
                        Circumstance(
                            person_id=person_id,
                            kind=kind,
                            occurred_on=day,
                            note=f"{DEMO_NOTE}: {what}",
                            recorded_by=recorder,
                            recorded_at=now,
                        )
                    )
        with transaction.atomic():
            Circumstance.objects.bulk_create(rows)
        report.hardships = len(rows)
    report.screenings = [screen_month(DEMO_CITY, month) for month in DEMO_MONTHS]
    return report
