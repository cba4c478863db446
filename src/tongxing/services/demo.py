"""Demo facilities in every county and a few hundred applications in every state.

Deterministic: one ``random.Random(seed)`` drawn in a fixed order over persons in id
order. Applications are made through the action functions (so each has its history and
audit rows, and deadlines in working days), dated between 1 September and the demo
reference date 2025-12-31. A second run does nothing while the demo applications exist.

Assumptions, for a plausible demo and not statistics: per county one 残疾人之家, one
rehabilitation station, one care institution (40 places, designated 2024-2026), one legal
aid station and one renovation contractor, plus one 残疾人之家 per township of the demo
township's county. Applications come from the two demo villages of 东城街道 (whose staff
have demo accounts) and, for legal aid, from 通江县 too (county steps only). Of the
applications, about 15 % stay at the first step, 10 % are withdrawn or refused, and the
rest are carried as far as a draw says, some to completion. The demo provider account
works for 巴州区's care institution; a second provider account (``legal_provider``) for
its legal aid station. Assistive device centres and rehabilitation institutions are the
``devices`` and ``rehab`` apps' demo.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tongxing.accounts.demo import DEMO_PASSWORD
from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.areas.models import Area, AreaLevel
from tongxing.core.scoping import prefix_q
from tongxing.registry.demo import REFERENCE_DATE
from tongxing.registry.models import Person, PersonStatus
from tongxing.services import actions
from tongxing.services.calendar import WorkingCalendar
from tongxing.services.definitions import ServiceDefinition
from tongxing.services.models import (
    Application,
    Facility,
    FacilityKind,
    FacilityMember,
    ServiceType,
)

DEMO_KEY = "demo-services-"
DEMO_VILLAGES = ("511902001001", "511902001002")
DEMO_COUNTY = "511902"
SECOND_COUNTY = "511921"
START = dt.date(2025, 9, 1)
DESIGNATED = (dt.date(2024, 1, 1), dt.date(2026, 12, 31))
PDF = b"%PDF-1.4\n% Tongxing demo document\n%%EOF\n"

ANSWERS = {
    "home_renovation": {"needs": "门口台阶和卫生间扶手", "owner_consent": "yes"},
    "care_services": {"mode": "day", "situation": "父母年迈，白天无人照料"},
    "education_aid": {"level": "primary", "school": "东城小学", "enrolment_year": "2024"},
    "legal_aid": {"matter": "labour", "description": "工资被拖欠三个月"},
    "certificate_home": {"request": "reissue", "reason": "长期卧床，不能到窗口"},
}
# What each step records in the demo (every required field of the pack's types).
STEP_DATA = {
    "survey": {"findings": "门口三级台阶，卫生间无扶手"},
    "plan": {"plan": "修建坡道，安装扶手", "budget": "4200"},
    "contractor": {"start_date": "2025-12-01"},
    "acceptance": {"accepted": "yes", "remarks": "合格"},
    "cost": {"final_cost": "4080.00"},
    "review": {"opinion": "情况属实"},
    "admission": {"start_date": "2025-12-15"},
    "verify": {"enrolment_checked": "yes"},
    "intake": {"intake_note": "符合受理条件"},
    "actions": {"actions_taken": "联系用人单位调解"},
    "outcome": {"result": "mediated", "summary": "单位已支付工资"},
    "check": {"mobility": "长期卧床"},
    "home_visit": {"visit_note": "已上门办理"},
}


@dataclass
class DemoServicesReport:
    facilities: int = 0
    applications: int = 0
    created: bool = False


def _facilities() -> tuple[int, dict[tuple[str, str], Facility]]:
    made = 0
    by_county: dict[tuple[str, str], Facility] = {}
    counties = Area.objects.filter(level=AreaLevel.COUNTY).order_by("code")
    for county in counties:
        specs = [
            (FacilityKind.DISABLED_HOME, f"{county.name}残疾人之家", None),
            (FacilityKind.REHAB_STATION, f"{county.name}社区康复站", None),
            (FacilityKind.CARE_INSTITUTION, f"{county.name}阳光家园托养中心", 40),
            (FacilityKind.LEGAL_AID_STATION, f"{county.name}残疾人法律援助工作站", None),
            (FacilityKind.CONTRACTOR, f"{county.name}安居无障碍改造工程队（演示）", None),
        ]
        for kind, name, capacity in specs:
            designated = kind == FacilityKind.CARE_INSTITUTION
            facility, created = Facility.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "area": county,
                    "capacity": capacity,
                    "contact_name": "联系人（演示）",
                    "contact_phone": "0827-0000000",
                    "designated": designated,
                    "designated_from": DESIGNATED[0] if designated else None,
                    "designated_until": DESIGNATED[1] if designated else None,
                },
            )
            made += created
            by_county[(county.code, kind)] = facility
    for township in Area.objects.filter(prefix_q("code", DEMO_COUNTY), level=AreaLevel.TOWNSHIP):
        _facility, created = Facility.objects.get_or_create(
            name=f"{township.name}残疾人之家",
            defaults={"kind": FacilityKind.DISABLED_HOME, "area": township},
        )
        made += created
    return made, by_county


def _provider(username: str, display: str, facility: Facility) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"role": Role.PROVIDER, "area_id": facility.area_id, "display_name": display},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    FacilityMember.objects.get_or_create(facility=facility, user=user)
    return user


def _actors(staff: dict[str, User]) -> dict[tuple[str, str], User]:
    """Which demo account acts on a step of a role in an area."""
    return {
        ("village_worker", DEMO_VILLAGES[0]): staff["village"],
        ("village_worker", DEMO_VILLAGES[1]): staff["village2"],
        ("township_officer", "511902001"): staff["township"],
        ("county_officer", DEMO_COUNTY): staff["county"],
        ("county_officer", SECOND_COUNTY): staff["county2"],
    }


def demo_staff() -> tuple[dict, dict, dict] | None:
    """The demo accounts, facility providers and facilities by (county, kind) that
    :func:`generate_services_demo` set up, for :func:`advance` (``None`` before it ran)."""
    staff = {
        u.username: u
        for u in User.objects.filter(
            username__in=["village", "village2", "township", "county", "county2"]
        )
    }
    facilities = {
        (f.area_id, f.kind): f
        for f in Facility.objects.filter(area__level=AreaLevel.COUNTY).order_by("id")
    }
    if len(staff) < 5 or not facilities:
        return None
    providers = {
        m.facility_id: m.user
        for m in FacilityMember.objects.filter(facility__in=facilities.values())
        .select_related("user")
        .order_by("id")
    }
    return _actors(staff), providers, facilities


def _next_day(day: dt.date, rng: random.Random, calendar: WorkingCalendar) -> dt.date | None:
    """A working day 1-8 working days later, or ``None`` past the reference date."""
    later = calendar.add_working_days(day, rng.randint(1, 8))
    return later if later <= REFERENCE_DATE else None


def generate_services_demo(seed: int = 2025) -> DemoServicesReport:
    report = DemoServicesReport()
    with transaction.atomic():
        report.facilities, facilities = _facilities()
        staff = {
            u.username: u
            for u in User.objects.filter(
                username__in=[
                    "village",
                    "village2",
                    "township",
                    "county",
                    "county2",
                    "provider",
                ]
            )
        }
        if len(staff) < 6 or not ServiceType.objects.exists():
            return report  # prepare_demo makes the accounts and loads the pack first
        care_provider = staff["provider"]
        FacilityMember.objects.get_or_create(
            facility=facilities[(DEMO_COUNTY, FacilityKind.CARE_INSTITUTION)], user=care_provider
        )
        legal_provider = _provider(
            "legal_provider",
            "巴州区法律援助工作站（演示）",
            facilities[(DEMO_COUNTY, FacilityKind.LEGAL_AID_STATION)],
        )
        _provider(
            "legal_provider2",
            "通江县法律援助工作站（演示）",
            facilities[(SECOND_COUNTY, FacilityKind.LEGAL_AID_STATION)],
        )
        if Application.objects.filter(idempotency_key__startswith=DEMO_KEY).exists():
            return report
        report.created = True
    calendar = WorkingCalendar.load()
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    actors = _actors(staff)
    providers = {
        facilities[(DEMO_COUNTY, FacilityKind.CARE_INSTITUTION)].pk: care_provider,
        facilities[(DEMO_COUNTY, FacilityKind.LEGAL_AID_STATION)].pk: legal_provider,
        facilities[(SECOND_COUNTY, FacilityKind.LEGAL_AID_STATION)].pk: User.objects.get(
            username="legal_provider2"
        ),
    }
    definitions = {t.code: ServiceDefinition.from_type(t) for t in ServiceType.objects.all()}
    local = list(
        Person.objects.filter(area_id__in=DEMO_VILLAGES, status=PersonStatus.ACTIVE)
        .select_related("certificate")
        .order_by("id")
    )
    second = list(
        Person.objects.filter(prefix_q("area_id", SECOND_COUNTY), status=PersonStatus.ACTIVE)
        .select_related("certificate")
        .order_by("id")[:80]
    )
    plan = [(p, code) for p in local for code in ANSWERS if rng.random() < 0.45]
    plan += [(p, "legal_aid") for p in second if rng.random() < 0.6]
    for n, (person, code) in enumerate(plan):
        if code not in definitions:
            continue
        made = _one(
            person, code, definitions[code], n, rng, calendar, actors, providers, facilities
        )
        report.applications += made
    return report


def _one(person, code, definition, n, rng, calendar, actors, providers, facilities) -> int:
    county = person.area_id[:6]
    submitter = actors.get(("village_worker", person.area_id)) or actors[("county_officer", county)]
    day = calendar.add_working_days(START, rng.randint(0, 60))
    documents = {}
    try:
        with transaction.atomic():
            for spec in definition.documents:
                if spec.required:
                    documents[spec.code] = actions.upload_document(
                        submitter, person, spec.code, f"{spec.code}.pdf", PDF
                    )
            app = actions.submit_application(
                submitter, person, code, ANSWERS[code], documents, f"{DEMO_KEY}{n}", day=day
            )
    except (ValidationError, PermissionDenied):
        return 0  # not eligible (age, category, certificate): the demo skips them
    fate = rng.random()
    if fate < 0.05:
        actions.withdraw_application(submitter, app, "申请人已不需要", day=day)
        return 1
    advance(
        app,
        definition,
        day,
        fate,
        rng.randint(0, len(definition.steps)),
        rng,
        calendar,
        actors,
        providers,
        facilities,
    )
    return 1


def advance(
    app, definition, day, fate, stop_after, rng, calendar, actors, providers, facilities
) -> None:
    """Carry ``app`` through its first ``stop_after`` steps (a ``fate`` below 0.12 refuses
    it at the decision), each a working day or a few after the last; stops where no demo
    account holds the step or the engine refuses (a full care home). Also used by the
    surveys demo for applications started from needs."""
    county = app.area_id[:6]
    for index, step in enumerate(definition.steps):
        if index >= stop_after:
            break
        next_day = _next_day(day, rng, calendar)
        if next_day is None:
            break
        day = next_day
        if step.role == Role.PROVIDER:
            actor = providers.get(app.facility_id) if app.facility_id else None
        else:
            actor = actors.get((step.role, app.step_area))
        if actor is None:
            break
        try:
            if step.decision:
                if fate < 0.12:
                    actions.refuse_application(actor, app, step.code, "经审核不符合条件", day=day)
                    break
                app = actions.approve_application(actor, app, step.code, day=day)
            else:
                facility = (
                    facilities.get((county, step.facility_kind)) if step.facility_kind else None
                )
                data = dict(STEP_DATA.get(step.code, {}))
                app = actions.complete_step(actor, app, step.code, data, facility=facility, day=day)
        except (ValidationError, PermissionDenied):
            break  # a full care home, a registry refusal: the application waits there
