"""Demo surveys and home visits for the demo township (东城街道, 511902001), where the demo
accounts village, village2 and township work.

Deterministic: one ``random.Random(seed)`` drawn in a fixed order over the township's
persons in id order, and survey dates counted from the registry demo's REFERENCE_DATE.
Visit due dates are offsets from the day the demo is prepared, so the visit list always
shows some overdue and some coming visits. Written in bulk in one transaction; a second
run with the same seed does nothing.

Every share below is an **assumption** for a plausible demo, not a statistic: about 55%
of persons surveyed, 10% started and not completed; needs drawn more often for severe
grades and for the age groups they concern; 30% of needs met, 5% declined.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from tongxing.accounts.models import User
from tongxing.core import audit
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.core.scoping import prefix_q
from tongxing.registry.demo import REFERENCE_DATE
from tongxing.registry.models import Person, PersonStatus
from tongxing.surveys.definitions import Questionnaire, current_definition
from tongxing.surveys.models import (
    Need,
    NeedStatus,
    Survey,
    SurveyStatus,
    VisitPlan,
    VisitReason,
)

DEMO_TOWNSHIP = "511902001"
DEMO_SOURCE = "demo"
MARKER_TYPE = "surveys.demo"
# Which demo account visits whom: the village workers their own community, the township
# officer everyone else in the township.
VISITORS = {"511902001001": "village", "511902001002": "village2"}
SURVEY_START = REFERENCE_DATE - dt.timedelta(days=300)


@dataclass
class DemoSurveyReport:
    completed: int = 0
    in_progress: int = 0
    needs: int = 0
    visit_plans: int = 0
    created: bool = True


def _chance(rng: random.Random, share: float) -> bool:
    return rng.random() < share


def _answers(rng: random.Random, person: Person, day: dt.date) -> dict[str, Any]:
    """Answers that agree with the registry, with needs drawn by grade and age."""
    cert = person.certificate
    age = person.age_on(day)
    kinds = set(cert.multiple_kinds) | {cert.category}
    severe = cert.grade <= 2
    if 4 in kinds and cert.grade == 1:
        mobility = rng.choices(["wheelchair", "bedridden", "walking_aid"], [5, 3, 2])[0]
    elif 4 in kinds and cert.grade == 2:
        mobility = rng.choices(["walks", "walking_aid", "wheelchair"], [3, 4, 3])[0]
    elif age >= 80:
        mobility = rng.choices(["walks", "walking_aid", "bedridden"], [6, 3, 1])[0]
    else:
        mobility = rng.choices(["walks", "walking_aid"], [17, 3])[0]
    working_age = 16 <= age <= 59
    devices = []
    if 4 in kinds and _chance(rng, 0.3):
        devices.append(rng.choice(["wheelchair", "walking_aid"]))
    if 2 in kinds and _chance(rng, 0.4):
        devices.append("hearing_aid")
    if 1 in kinds and _chance(rng, 0.35):
        devices.append("visual_aid")
    culture = [v for v, share in (("reading", 0.15), ("activities", 0.2)) if _chance(rng, share)]
    return {
        "age": age,
        "disability_category": str(cert.category),
        "mobility": mobility,
        "lives_alone": _chance(rng, 0.12),
        "has_caregiver": _chance(rng, 0.8 if severe else 0.6),
        "power_dependent_device": _chance(rng, 0.1 if mobility == "bedridden" else 0.02),
        "rehabilitation_need": _chance(rng, 0.35),
        "device_need": devices,
        "education_need": _chance(rng, 0.6 if age < 18 else 0.03),
        "employment_status": rng.choice(["employed", "farming", "seeking", "unable"])
        if working_age
        else "not_applicable",
        "employment_need": working_age and _chance(rng, 0.25),
        "care_need": _chance(rng, 0.3 if severe else 0.08),
        "home_renovation_need": _chance(rng, 0.25 if severe and kinds & {1, 4} else 0.05),
        "subsidy_need": _chance(rng, 0.2),
        "legal_aid_need": _chance(rng, 0.03),
        "culture_need": culture,
        "household_income": rng.randrange(3000, 30000, 100),
        "medical_insurance": _chance(rng, 0.97),
        "pension_insurance": _chance(rng, 0.85),
    }


def current_demo() -> dict[str, Any] | None:
    marker = (
        AuditEvent.objects.filter(object_type=MARKER_TYPE, source=DEMO_SOURCE)
        .order_by("-id")
        .values("changes")
        .first()
    )
    return marker["changes"] if marker else None


@transaction.atomic
def generate_survey_demo(seed: int = 2025) -> DemoSurveyReport:
    definition = current_definition()
    if definition is None:
        raise ValueError("No questionnaire is loaded: run `python manage.py load_surveys` first.")
    previous = current_demo()
    in_place = Survey.objects.filter(prefix_q("person__area_id", DEMO_TOWNSHIP)).exists()
    if previous is not None and previous.get("seed") == seed and in_place:
        return DemoSurveyReport(created=False)
    questionnaire = Questionnaire.from_definition(definition)
    users = {
        u.username: u for u in User.objects.filter(username__in=["village", "village2", "township"])
    }
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    persons = list(
        Person.objects.filter(prefix_q("area_id", DEMO_TOWNSHIP), status=PersonStatus.ACTIVE)
        .exclude(surveys__year=definition.year)
        .select_related("certificate")
        .order_by("id")
    )
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    report = DemoSurveyReport()
    surveys: list[Survey] = []
    plans: list[VisitPlan] = []
    for person in persons:
        if getattr(person, "certificate", None) is None:
            continue
        draw = rng.random()
        day = SURVEY_START + dt.timedelta(days=rng.randrange(0, 290))
        when = dt.datetime.combine(day, dt.time(10), tzinfo=tz)
        worker = users.get(VISITORS.get(person.area_id, "township"))
        answers = _answers(rng, person, day)
        if draw < 0.65:
            completed = draw < 0.55
            groups = (
                questionnaire.groups if completed else questionnaire.groups[: rng.randint(1, 5)]
            )
            keys = {q.key for g in groups for q in g.questions}
            survey = Survey(
                person=person,
                definition=definition,
                year=definition.year,
                status=SurveyStatus.COMPLETED if completed else SurveyStatus.IN_PROGRESS,
                saved_groups=[g.key for g in groups],
                started_by=worker,
                started_at=when,
                updated_at=when,
                completed_by=worker if completed else None,
                completed_at=when if completed else None,
            )
            survey.answers = {k: v for k, v in answers.items() if k in keys}
            survey.flags = {}
            surveys.append(survey)
        if worker is not None and (
            answers["lives_alone"]
            or (person.certificate.grade == 1 and not answers["has_caregiver"])
        ):
            plans.append(
                VisitPlan(
                    person=person,
                    reason=VisitReason.LIVING_ALONE
                    if answers["lives_alone"]
                    else VisitReason.NO_CAREGIVER,
                    due_date=today + dt.timedelta(days=rng.randint(-20, 40)),
                    assigned_to=worker,
                    created_by=users.get("township"),
                    created_at=timezone.now(),
                )
            )
    Survey.objects.bulk_create(surveys, batch_size=500)
    needs: list[Need] = []
    for survey in surveys:
        if survey.status != SurveyStatus.COMPLETED:
            report.in_progress += 1
            continue
        report.completed += 1
        stated = survey.answers
        kinds = sorted(
            {k for q in questionnaire.questions() for k in q.needs_for(stated.get(q.key))}
        )
        for kind in kinds:
            need = Need(
                person_id=survey.person_id,
                kind=kind,
                year=survey.year,
                survey=survey,
                opened_at=survey.completed_at,
            )
            outcome = rng.random()
            if outcome < 0.35:
                need.closed_by = survey.completed_by
                need.closed_at = survey.completed_at + dt.timedelta(days=rng.randint(10, 60))
                if outcome < 0.30:
                    need.status = NeedStatus.MET
                    need.reference = f"演示服务记录 {survey.year}-{rng.randint(1, 999):03d}"
                else:
                    need.status = NeedStatus.DECLINED
                    need.reason = "本人表示暂不需要（演示）"
            needs.append(need)
    Need.objects.bulk_create(needs, batch_size=1000)
    VisitPlan.objects.bulk_create(plans, batch_size=1000)
    report.needs, report.visit_plans = len(needs), len(plans)
    events = [
        audit.build_event(
            None,
            AuditAction.CREATE,
            object_type="surveys.survey",
            object_id=survey.pk,
            person_id=survey.person_id,
            area_code=DEMO_TOWNSHIP,
            summary=f"demo {survey.year} survey ({survey.status})",
            source=DEMO_SOURCE,
        )
        for survey in surveys
    ]
    events.append(
        audit.build_event(
            None,
            AuditAction.CREATE,
            object_type=MARKER_TYPE,
            summary=f"demo surveys: {report.completed} completed, {report.in_progress} started",
            changes={"seed": seed, **vars(report)},
            source=DEMO_SOURCE,
        )
    )
    audit.record_many(events)
    return report


# --- applications started from needs --------------------------------------------------------

NEED_DEMO_KEY = "demo-needs-"
NEED_DEMO_LIMIT = 12
NEED_DEMO_START = dt.date(2025, 10, 1)


@dataclass
class DemoNeedApplicationsReport:
    started: int = 0
    met: int = 0
    refused: int = 0
    created: bool = False


def generate_need_applications_demo(seed: int = 2025) -> DemoNeedApplicationsReport:
    """Start applications from open needs of the demo villages, through the same actions
    staff use (pre-filled from the answers, the rest from the services demo's answers), and
    carry them as far as a draw says, so the need pages show the link and some needs are
    met by a service. Run after ``generate_services_demo``; does nothing twice.

    Assumptions (demo only): the first 12 open needs (in id order) from surveys completed
    before October 2025, for care, home renovation, education aid or legal aid (the types
    whose forms and steps the services demo fills), whose person is eligible, get an
    application, each started by the village worker of its community on one of the first
    working days of October 2025 (so every step fits before 2025-12-31); every
    other one is carried through every step (the need is met, unless a step has no demo
    account or the engine refuses, e.g. a full care home), the
    rest stop where a draw says (possibly refused at the decision). Needs whose person is
    not eligible, or already has an application for that service from the services demo,
    are skipped.
    """
    from tongxing.services import demo as services_demo
    from tongxing.services.actions import upload_document
    from tongxing.services.calendar import WorkingCalendar
    from tongxing.services.definitions import ServiceDefinition
    from tongxing.services.models import ServiceType
    from tongxing.surveys.actions import start_application_for_need
    from tongxing.surveys.models import NeedApplication
    from tongxing.surveys.need_services import need_services, prefill

    report = DemoNeedApplicationsReport()
    staff = services_demo.demo_staff()
    if (
        staff is None
        or NeedApplication.objects.filter(
            application__idempotency_key__startswith=NEED_DEMO_KEY
        ).exists()
    ):
        return report
    actors, providers, facilities = staff
    mapping = need_services()
    definitions = {
        t.code: ServiceDefinition.from_type(t) for t in ServiceType.objects.filter(active=True)
    }
    calendar = WorkingCalendar.load()
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    needs = (
        Need.objects.filter(
            person__area_id__in=services_demo.DEMO_VILLAGES,
            person__status=PersonStatus.ACTIVE,
            status=NeedStatus.OPEN,
            # The services demo knows how to fill these types' forms and steps; assistive
            # devices and child rehabilitation are the devices and rehab demos' own.
            kind__in=[k for k, m in mapping.items() if m.service in services_demo.ANSWERS],
            survey__completed_at__date__lt=NEED_DEMO_START,
        )
        .select_related("person", "survey__definition")
        .order_by("id")
    )
    for need in needs:
        if report.started >= NEED_DEMO_LIMIT:
            break
        code = mapping[need.kind].service
        definition = definitions.get(code)
        submitter = actors.get(("village_worker", need.person.area_id))
        if definition is None or submitter is None:
            continue
        survey = need.survey
        filled = prefill(
            mapping[need.kind], Questionnaire.from_definition(survey.definition), survey.answers
        )
        answers = {**services_demo.ANSWERS.get(code, {}), **filled}
        answers = {
            k: ("yes" if v else "no") if isinstance(v, bool) else v for k, v in answers.items()
        }
        day = calendar.add_working_days(NEED_DEMO_START, rng.randint(0, 10))
        try:
            with transaction.atomic():
                documents = {
                    spec.code: upload_document(
                        submitter, need.person, spec.code, f"{spec.code}.pdf", services_demo.PDF
                    )
                    for spec in definition.documents
                    if spec.required
                }
                application = start_application_for_need(
                    submitter,
                    need,
                    answers,
                    documents,
                    f"{NEED_DEMO_KEY}{need.pk}",
                    day=day,
                )
        except (ValidationError, PermissionDenied):
            continue  # not eligible, or an application for that service is already open
        report.started += 1
        steps = len(definition.steps)
        # The 1st, 3rd, … are carried through every step (no refusal draw), so the demo
        # shows needs met by a service; the others stop where a draw says.
        full = report.started % 2 == 1
        services_demo.advance(
            application,
            definition,
            day,
            1.0 if full else rng.random(),
            steps if full else rng.randint(1, steps),
            rng,
            calendar,
            actors,
            providers,
            facilities,
        )
    links = NeedApplication.objects.filter(application__idempotency_key__startswith=NEED_DEMO_KEY)
    report.met = links.filter(need__status=NeedStatus.MET).count()
    report.refused = links.filter(application__status="refused").count()
    report.created = True
    return report
