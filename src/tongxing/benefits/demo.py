"""Demo benefits on top of the demo population: department facts, applications, bank
accounts, and last month's payroll of 巴州区 approved and locked by the demo officers.

What a newcomer then sees in ``make demo``: this month's payroll prepared by ``county``
shows last month's payments continued, new ones (applications approved since), stopped
ones (deaths recorded since) and recoveries (a death recorded late, after last month was
paid), and can be approved by ``county_reviewer`` and ``city``, and locked by
``city_finance``.

Everything is deterministic for a seed except the two payroll months, which follow the
calendar (this month and last), since a payroll can only be prepared for a month that has
started.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone

from tongxing.accounts.models import User
from tongxing.areas.models import Area
from tongxing.benefits import actions
from tongxing.benefits.engine import evaluate
from tongxing.benefits.inputs import Scope, read_inputs
from tongxing.benefits.models import (
    BatchStatus,
    BenefitClaim,
    ClaimStatus,
    PaymentAccount,
    PayrollBatch,
)
from tongxing.benefits.parameters import ParameterSet
from tongxing.benefits.payroll import add_months
from tongxing.core import audit
from tongxing.core.bulk import BulkInserter
from tongxing.core.jobs import run_queued_jobs
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.registry import actions as registry_actions
from tongxing.registry.models import Person, PersonFact, PersonFactKind

MARKER = "benefits.demo"
SOURCE = "demo"
DEMO_COUNTY = "511902"
BANKS = ("四川农信（巴中农商银行）", "中国邮政储蓄银行", "中国农业银行")
PENDING_SHARE = 0.02  # approved late: paid with arrears once approved
LATE_DEATHS = 5  # deaths recorded after last month's payroll, dated before it


@dataclass
class BenefitDemoReport:
    facts: int
    claims: int
    accounts: int
    batch: PayrollBatch | None
    created: bool


def _marker() -> AuditEvent | None:
    return AuditEvent.objects.filter(object_type=MARKER, source=SOURCE).order_by("-id").first()


def _facts(rng: random.Random, persons: list[dict], today: dt.date) -> list[tuple]:
    """Pension enrolment for most adults under 60, an elderly care subsidy for some over
    80, and a few work-injury nursing allowances."""
    rows = []
    for person in persons:
        age = (today - person["birth_date"]).days // 365
        if 16 <= age <= 59 and rng.random() < 0.85:
            rows.append((person["id"], PersonFactKind.RESIDENT_PENSION, None, dt.date(2015, 1, 1)))
        if age >= 80 and rng.random() < 0.3:
            rows.append(
                (person["id"], PersonFactKind.ELDERLY_CARE, Decimal("100.00"), dt.date(2020, 1, 1))
            )
        if rng.random() < 0.004:
            rows.append(
                (
                    person["id"],
                    PersonFactKind.WORK_INJURY_NURSING,
                    Decimal("1200.00"),
                    dt.date(2018, 1, 1),
                )
            )
    return rows


def generate_benefit_demo(*, seed: int = 2025, today: dt.date | None = None) -> BenefitDemoReport:
    """Create the demo benefits once; a second run changes nothing."""
    if _marker() is not None:
        return BenefitDemoReport(0, 0, 0, None, created=False)
    today = today or timezone.localdate()
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    now = timezone.now()
    persons = list(Person.objects.order_by("pk").values("id", "name", "birth_date", "area_id"))

    with transaction.atomic():
        fact_rows = _facts(rng, persons, today)
        BulkInserter(
            PersonFact, ("person", "kind", "amount", "start_date", "end_date", "recorded_at"), now
        ).insert([(pid, kind, amount, start, None, now) for pid, kind, amount, start in fact_rows])

        # Who qualifies last month, as if everyone had applied: they get claims.
        parameters = ParameterSet.load()
        inputs = read_inputs(Scope.area("5119"))
        overrides = {
            f"claim_{code}": True
            for code in ("living_subsidy", "nursing_subsidy", "pension_premium")
        }
        decisions = evaluate(inputs, [last_month], parameters, overrides=overrides).decisions
        eligible = decisions.filter(
            pc.and_(
                decisions["eligible"],
                pc.invert(
                    pc.is_in(
                        decisions["benefit"],
                        pc.cast(["education_aid", "wheelchair_fuel"], "string"),
                    )
                ),
            )
        )
        claim_rows, pending = [], 0
        for person_id, benefit in zip(
            eligible["person_id"].to_pylist(), eligible["benefit"].to_pylist(), strict=True
        ):
            if rng.random() < PENDING_SHARE:
                applied = this_month - dt.timedelta(days=rng.randint(20, 80))
                claim_rows.append((person_id, benefit, applied, ClaimStatus.PENDING, None, None))
                pending += 1
            else:
                applied = dt.date(rng.randint(2016, 2024), rng.randint(1, 12), rng.randint(1, 28))
                claim_rows.append((person_id, benefit, applied, ClaimStatus.APPROVED, now, None))
        BulkInserter(
            BenefitClaim,
            ("person", "benefit", "applied_on", "status", "decided_at", "ended_on"),
            now,
        ).insert(claim_rows)

        claimants = sorted({row[0] for row in claim_rows})
        names = {p["id"]: p["name"] for p in persons}
        account_rows = [
            (
                pid,
                rng.choice(BANKS),
                "62" + "".join(str(rng.randint(0, 9)) for _ in range(17)),
                names[pid],
            )
            for pid in claimants
        ]
        BulkInserter(
            PaymentAccount, ("person", "bank", "account_number", "holder_name"), now
        ).insert(account_rows)
        audit.record(
            None,
            AuditAction.CREATE,
            object_type=MARKER,
            summary=f"demo benefits: {len(fact_rows)} facts, {len(claim_rows)} claims",
            changes={"seed": seed, "claims": len(claim_rows), "pending": pending},
            source=SOURCE,
        )

    batch = _locked_last_month(last_month)
    if batch is not None:
        _late_deaths(rng, batch, last_month)
    return BenefitDemoReport(
        len(fact_rows), len(claim_rows), len(account_rows), batch, created=True
    )


def _officer(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _locked_last_month(month: dt.date) -> PayrollBatch | None:
    """Last month's payroll of the demo county, through the real steps and the job."""
    preparer, reviewer = _officer("county"), _officer("county_reviewer")
    approver, locker = _officer("city"), _officer("city_finance")
    if not all((preparer, reviewer, approver, locker)):
        return None
    county = Area.objects.get(code=DEMO_COUNTY)
    batch = actions.start_preparation(preparer, county, month)
    run_queued_jobs()
    batch.refresh_from_db()
    if batch.status != BatchStatus.PREPARED:
        return batch
    actions.approve_county(reviewer, batch)
    actions.approve_city(
        approver,
        batch,
        "演示数据：标准尚未与正式文件核对，仅用于演示。" if batch.unverified_parameters else "",
    )
    return actions.lock_batch(locker, batch)


def _late_deaths(rng: random.Random, batch: PayrollBatch, month: dt.date) -> None:
    """A few persons paid last month whose death, two months ago, is only recorded now."""
    recorder = _officer("county")
    paid = sorted(set(batch.lines.values_list("person_id", flat=True)))
    died_on = add_months(month, -1) + dt.timedelta(days=9)
    for person_id in rng.sample(paid, min(LATE_DEATHS, len(paid))):
        person = Person.objects.get(pk=person_id)
        if person.birth_date < died_on:
            registry_actions.record_death(
                recorder, person, died_on, note="演示：迟报的死亡", source=SOURCE
            )
