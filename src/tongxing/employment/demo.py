"""Demo employers, their quota declarations for the last staff year, and employment
statuses for the demo township (东城街道, 511902001).

Deterministic: one ``random.Random(seed)`` drawn in a fixed order over the township's
persons in id order. Written in bulk in one transaction with one audit row per record;
a second run does nothing while the demo employers exist.

Every share below is an **assumption** for a plausible demo, not a statistic: of the
persons of working age, about 30 % employed (in the six forms), 20 % seeking work, 10 %
not seeking, the rest not yet asked. The employers' staff and wages are invented; one
employee is declared by two employers and one company declares a person twice, so the
fund page shows the flags.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tongxing.areas.models import Area
from tongxing.core import audit
from tongxing.core.idnumbers import make_credit_code
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.employment.models import (
    Declaration,
    DeclaredEmployee,
    Employer,
    EmploymentForm,
    EmploymentStatus,
    JobPost,
    WorkStatus,
)
from tongxing.registry.demo import REFERENCE_DATE
from tongxing.registry.models import Person, PersonStatus

DEMO_TOWNSHIP = "511902001"
DEMO_SOURCE = "demo"
STAFF_YEAR = REFERENCE_DATE.year - 1
WORKING_AGE = (16, 59)  # the pack's employment.working_age_* values; the demo only draws

# name, area, sector, public body, average staff, total wages (yuan), employees declared
EMPLOYERS = [
    ("巴中市巴州区人民政府办公室（演示）", "511902", "机关", True, "120", "10800000.00", 1),
    ("巴州区人民医院（演示）", "511902", "卫生", True, "480", "52800000.00", 8),
    ("巴中秦巴食品有限公司（演示）", "511902001", "食品加工", False, "250", "15000000.00", 2),
    ("东城物业服务有限公司（演示）", "511902001", "物业", False, "95", "4275000.00", 2),
    ("巴中光雾山旅游有限公司（演示）", "511902", "旅游", False, "62.5", "4375000.00", 1),
    ("东城街道盲人按摩店（演示）", "511902001001", "生活服务", False, "12", "480000.00", 3),
]
FORMS = list(EmploymentForm.values)


@dataclass
class DemoEmploymentReport:
    employers: int = 0
    declarations: int = 0
    statuses: int = 0
    created: bool = True


def _working_age(person: Person, day: dt.date) -> bool:
    return WORKING_AGE[0] <= person.age_on(day) <= WORKING_AGE[1]


@transaction.atomic
def generate_employment_demo(seed: int = 2025) -> DemoEmploymentReport:
    codes = _demo_codes()
    if Employer.objects.filter(credit_code__in=codes).exists():
        return DemoEmploymentReport(created=False)
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    year_end = dt.date(STAFF_YEAR, 12, 31)
    now = timezone.now()
    persons = [
        p
        for p in Person.objects.filter(
            prefix_q("area_id", DEMO_TOWNSHIP),
            status=PersonStatus.ACTIVE,
            certificate__status="valid",
        ).order_by("id")
        if _working_age(p, year_end)
    ]
    areas = Area.objects.in_bulk([e[1] for e in EMPLOYERS])
    employers = Employer.objects.bulk_create(
        Employer(
            credit_code=code,
            name=name,
            area=areas[area],
            sector=sector,
            is_public_body=public,
        )
        for code, (name, area, sector, public, *_rest) in zip(codes, EMPLOYERS, strict=True)
    )
    declarations = Declaration.objects.bulk_create(
        Declaration(
            employer=employer,
            year=STAFF_YEAR,
            average_staff=Decimal(staff),
            total_wages=Decimal(wages),
            recorded_at=now,
        )
        for employer, (_n, _a, _s, _p, staff, wages, _e) in zip(employers, EMPLOYERS, strict=True)
    )
    pool = iter(persons)
    rows: list[DeclaredEmployee] = []
    placed: list[tuple[Person, Employer]] = []
    for declaration, employer, spec in zip(declarations, employers, EMPLOYERS, strict=True):
        for line in range(1, spec[6] + 1):
            person = next(pool, None)
            if person is None:
                break
            rows.append(DeclaredEmployee(declaration=declaration, person=person, line=line))
            placed.append((person, employer))
    if rows:
        # The flags the fund page shows: the food company lists its first employee twice,
        # and the property company declares the hospital's first employee too.
        first = {row.declaration_id: row for row in reversed(rows)}
        food, estate, hospital = declarations[2], declarations[3], declarations[1]
        if food.pk in first:
            rows.append(DeclaredEmployee(declaration=food, person=first[food.pk].person, line=9))
        if hospital.pk in first:
            rows.append(
                DeclaredEmployee(declaration=estate, person=first[hospital.pk].person, line=9)
            )
    DeclaredEmployee.objects.bulk_create(rows)

    # A person declared by two employers works for the first.
    first_employer = {}
    for person, employer in placed:
        first_employer.setdefault(person.pk, (person, employer))
    placed_ids = set(first_employer)
    statuses = [
        EmploymentStatus(
            person=person,
            status=WorkStatus.EMPLOYED,
            form=EmploymentForm.QUOTA,
            employer=employer,
            start_date=dt.date(STAFF_YEAR, 1, 1),
            recorded_at=now,
        )
        for person, employer in first_employer.values()
    ]
    for person in persons:
        if person.pk in placed_ids:
            continue
        draw = rng.random()
        start = REFERENCE_DATE - dt.timedelta(days=rng.randrange(30, 700))
        if draw < 0.30:
            form = rng.choice(FORMS[1:])
            statuses.append(
                EmploymentStatus(
                    person=person,
                    status=WorkStatus.EMPLOYED,
                    form=form,
                    employer_note="演示工作单位",
                    start_date=start,
                    recorded_at=now,
                )
            )
        elif draw < 0.50:
            statuses.append(
                EmploymentStatus(
                    person=person, status=WorkStatus.SEEKING, start_date=start, recorded_at=now
                )
            )
        elif draw < 0.60:
            statuses.append(
                EmploymentStatus(
                    person=person, status=WorkStatus.NOT_SEEKING, start_date=start, recorded_at=now
                )
            )
    EmploymentStatus.objects.bulk_create(statuses, batch_size=1000)
    # Two open posts to match the demo seekers against (the officer places one).
    JobPost.objects.bulk_create(
        [
            JobPost(
                employer=employers[5],
                title="按摩",
                area=employers[5].area,
                duties="盲人按摩，按排班上岗（演示）",
                accessibility=["screen_reader", "flexible_hours"],
                suitable_categories=[1],
                places=2,
                created_at=now,
            ),
            JobPost(
                employer=employers[2],
                title="包装",
                area=employers[2].area,
                duties="食品包装，坐姿作业（演示）",
                accessibility=["step_free", "sitting"],
                suitable_categories=[2, 4],
                places=3,
                created_at=now,
            ),
        ]
    )
    events = [
        audit.build_event(
            None,
            AuditAction.CREATE,
            object_type="employment.employer",
            object_id=e.pk,
            area_code=e.area_id,
            summary=f"demo employer {e.credit_code}",
            source=DEMO_SOURCE,
        )
        for e in employers
    ] + [
        audit.build_event(
            None,
            AuditAction.CREATE,
            object_type="employment.employmentstatus",
            object_id=s.pk,
            person_id=s.person_id,
            area_code=DEMO_TOWNSHIP,
            summary=f"demo employment status {s.status}",
            source=DEMO_SOURCE,
        )
        for s in statuses
    ]
    audit.record_many(events)
    return DemoEmploymentReport(len(employers), len(declarations), len(statuses))


# --- plans, welfare post, subsidy application and warning follow-ups ------------------------

DEMO_VILLAGE = "511902001001"
WELFARE_TITLE = "社区助残协管员（演示）"


@dataclass
class DemoPlansReport:
    household_plans: int = 0
    graduate_plans: int = 0
    school_leavers: int = 0
    follow_ups: int = 0
    created: bool = True


def generate_plans_demo(today: dt.date | None = None) -> DemoPlansReport:
    """Through the real actions, as the demo officers: plans for up to three
    zero-employment households of the demo village whose members the 包装 post ranks among
    its first twenty seekers for the county officer (placing one closes its plan and
    shrinks the list), two school leavers reported by
    the education department (one given a plan), a public welfare post, a post-subsidy
    application for the reviewer to decide, and one acknowledged unemployment warning.

    Plans and warnings are dated on the real ``today``, because the pages list them as of
    today; which persons are chosen is fixed (lowest ids). Assumptions: the school leavers
    are the two youngest persons of working age in the village, who left college on
    1 July of the reference year. Nothing is done if the welfare post exists; the demo
    officers must exist (``prepare_demo`` creates them first)."""
    from tongxing.accounts.models import User
    from tongxing.employment import actions, matching, queries
    from tongxing.registry.models import PersonFact

    if JobPost.objects.filter(title=WELFARE_TITLE).exists():
        return DemoPlansReport(created=False)
    users = User.objects.in_bulk(["village", "county", "county_reviewer"], field_name="username")
    if len(users) < 3 or not Employer.objects.filter(credit_code__in=_demo_codes()).exists():
        return DemoPlansReport(created=False)
    village, county = users["village"], users["county"]
    today = today or timezone.localdate()
    report = DemoPlansReport()
    with transaction.atomic():
        employers = {
            e.name: e for e in Employer.objects.filter(credit_code__in=_demo_codes()).order_by("id")
        }
        office = employers[EMPLOYERS[0][0]]
        actions.create_job_post(
            county,
            office,
            actions.PostData(
                title=WELFARE_TITLE,
                area=office.area,
                duties="社区残疾人信息核查、上门联络（演示）",
                kind="welfare",
                paid_by="就业补助资金（演示）",
                term_start=REFERENCE_DATE.replace(month=1, day=1),
                term_end=REFERENCE_DATE.replace(year=REFERENCE_DATE.year + 1),
                places=2,
            ),
        )
        keys = queries.zero_employment_keys(DEMO_VILLAGE, today)
        # Households of the seekers the 包装 post ranks highest for the county officer, so
        # the one the officer places in the demo is on the first screen of candidates.
        packing = JobPost.objects.get(title="包装", employer__credit_code__in=_demo_codes())
        ranked = [c.person_id for c in matching.candidates(packing, "511902", today)]
        by_id = Person.objects.in_bulk(ranked)
        homes: dict[int, Person] = {}
        for person_id in ranked:
            person = by_id[person_id]
            if person.area_id == DEMO_VILLAGE and actions.household_key(person) in keys:
                homes.setdefault(actions.household_key(person), person)
            if len(homes) == 3:
                break
        for person in homes.values():
            plan = actions.open_household_plan(
                village, person, goal="家庭至少一人稳定就业（演示）", today=today
            )
            actions.add_plan_step(
                village, plan, action="上门了解就业意愿和能力", owner="王专职", due_date=today
            )
            actions.add_plan_step(
                village,
                plan,
                action="推荐到秦巴食品包装岗位",
                owner="巴州区残联就业服务中心",
                due_date=today + dt.timedelta(days=30),
            )
            report.household_plans += 1
        young = [
            p
            for p in Person.objects.filter(
                area_id=DEMO_VILLAGE, status=PersonStatus.ACTIVE
            ).order_by("-birth_date", "id")[:40]
            if _working_age(p, today) and not p.employment_statuses.exists()
        ][:2]
        left = REFERENCE_DATE.replace(month=7, day=1)
        for person in young:
            PersonFact.objects.create(
                person=person,
                kind="school",
                level="higher",
                start_date=left.replace(year=left.year - 3, month=9),
                end_date=left,
                source=DEMO_SOURCE,
            )
            report.school_leavers += 1
        if young:
            plan = actions.open_graduate_plan(
                village,
                young[0],
                goal="毕业一年内实现就业（一人一策，演示）",
                school_level="higher",
                left_school_on=left,
                today=today,
            )
            actions.add_plan_step(
                village, plan, action="参加电商技能培训", owner="巴州区残联", due_date=today
            )
            report.graduate_plans += 1
        quota = EmploymentStatus.objects.filter(
            employer=employers[EMPLOYERS[2][0]], status=WorkStatus.EMPLOYED
        ).first()
        if quota is not None:
            actions.apply_for_subsidy(
                county,
                quota.employer,
                kind="post",
                person=quota.person,
                period_start=REFERENCE_DATE.replace(month=1, day=1),
                period_end=REFERENCE_DATE.replace(month=6, day=30),
                amount_claimed=Decimal("2400.00"),
            )
        warned = queries.unemployment_warnings(village, village.area, today)
        if warned.rows:
            row = warned.rows[0]
            actions.follow_up_warning(
                village,
                row.person,
                reason=row.reason,
                since=row.since,
                action="acknowledged",
                note="已电话联系（演示）",
                today=today,
            )
            report.follow_ups += 1
    return report


def _demo_codes() -> list[str]:
    return [
        make_credit_code("511902", i, "11" if e[3] else "91") for i, e in enumerate(EMPLOYERS, 1)
    ]
