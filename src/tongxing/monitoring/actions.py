"""Every change in risk monitoring is one of these actions: checked, applied and written to
the case history and the audit trail in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.compute as pc
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, Model, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area
from tongxing.benefits.inputs import Scope
from tongxing.benefits.parameters import ParameterSet
from tongxing.core import audit
from tongxing.core.bulk import PrimaryKeys, insert_arrow
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.monitoring import engine
from tongxing.monitoring.inputs import read_inputs
from tongxing.monitoring.models import (
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Circumstance,
    CircumstanceKind,
    Measure,
    MeasureKind,
    OpenCount,
    RiskCase,
    Screening,
    ScreeningResult,
    SurveyFacts,
)
from tongxing.monitoring.ruleset import ruleset_on
from tongxing.registry.actions import ensure_allowed
from tongxing.registry.models import Person
from tongxing.surveys.models import Survey, SurveyStatus

CASE_OBJECT = "monitoring.riskcase"
SCREENING_JOB = "monitoring.screen"
WRITE_CHUNK = 5000


def ensure_may_view(actor: User) -> None:
    if (
        not actor.is_authenticated
        or not actor.can(Capability.VIEW_RISK_MONITORING)
        or not actor.area_id
    ):
        raise PermissionDenied(_("You may not see the risk monitoring list."))


def _first_of(month: dt.date) -> dt.date:
    return month.replace(day=1)


def _previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


# --- the screening ---------------------------------------------------------------------------


def start_screening(actor: User, area: Area, month: dt.date, today: dt.date) -> object:
    """Queue the screening of ``area`` for ``month`` as a background job."""
    from tongxing.core.jobs import start_job

    ensure_allowed(
        actor,
        Capability.RUN_RISK_SCREENING,
        area.code,
        _("You may not run the risk screening for this area."),
    )
    month = _first_of(month)
    if month > _first_of(today):
        raise ValidationError({"month": _("A month in the future cannot be screened.")})
    return start_job(
        SCREENING_JOB,
        user=actor,
        params={"area": area.code, "month": month.isoformat()},
        label=_("Risk screening %(area)s %(month)s")
        % {"area": area.name, "month": f"{month:%Y-%m}"},
        area=area,
    )


def refresh_survey_facts(area_code: str) -> int:
    """Copy the income and caregiver answers of completed surveys under ``area_code`` that
    are new or changed since the last copy; drop those of surveys no longer completed. Only
    these are decrypted, so a month's screening reads plain columns."""
    SurveyFacts.objects.filter(prefix_q("person__area_id", area_code)).exclude(
        Exists(Survey.objects.filter(pk=OuterRef("survey_id"), status=SurveyStatus.COMPLETED))
    ).delete()
    stale = (
        Survey.objects.filter(prefix_q("person__area_id", area_code), status=SurveyStatus.COMPLETED)
        .exclude(
            Exists(
                SurveyFacts.objects.filter(
                    survey_id=OuterRef("pk"), survey_updated_at=OuterRef("updated_at")
                )
            )
        )
        .only("pk", "person_id", "year", "answers_data", "updated_at")
    )
    count = 0
    batch: list[SurveyFacts] = []

    def flush() -> None:
        SurveyFacts.objects.filter(survey_id__in=[f.survey_id for f in batch]).delete()
        SurveyFacts.objects.bulk_create(batch)
        batch.clear()

    for survey in stale.iterator(chunk_size=2000):
        answers = survey.answers
        try:
            income = Decimal(str(answers["household_income"])).quantize(Decimal("0.01"))
        except (KeyError, InvalidOperation, TypeError):
            income = None
        caregiver = answers.get("has_caregiver")
        batch.append(
            SurveyFacts(
                survey_id=survey.pk,
                person_id=survey.person_id,
                year=survey.year,
                household_income=income,
                has_caregiver=caregiver if isinstance(caregiver, bool) else None,
                survey_updated_at=survey.updated_at,
            )
        )
        count += 1
        if len(batch) >= WRITE_CHUNK:
            flush()
    if batch:
        flush()
    return count


def _write_results(results: pa.Table, month: dt.date, now: dt.datetime) -> None:
    count = results.num_rows
    insert_arrow(
        ScreeningResult,
        pa.table(
            {
                "month": pa.array([month] * count, pa.date32()),
                "person_id": results["person_id"],
                "area_id": results["area_id"],
                "score": results["score"],
                "level": results["level"],
                "rules": results["rules"],
            }
        ),
        now,
    )
    _analyze(ScreeningResult)


def _analyze(model: type[Model]) -> None:
    """PostgreSQL: refresh the planner's row counts of a table this job has just filled.
    The cases and results are joined on person right after; planned on the statistics of
    an emptied table, such a join took a scan of the other table per row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _update_flagged_cases(month: dt.date, area_code: str, *, reopen: bool) -> int:
    """Bring the cases of persons at risk in ``month`` up to date with their result, in one
    joined UPDATE: open cases (``reopen`` False), or closed cases last flagged before
    ``month``, which are opened again (``reopen`` True). ``UPDATE … FROM`` (PostgreSQL, and
    SQLite from 3.33) joins once; a correlated subquery per column was measured three
    times slower at 170,000 cases."""
    status = CaseStatus.CLOSED if reopen else CaseStatus.OPEN
    month_test = "c.last_flagged_month < %s" if reopen else "c.last_flagged_month <= %s"
    reopened = (
        ", status = %s, closed_by_id = NULL, closed_at = NULL, close_reason = ''" if reopen else ""
    )
    sql = (
        "UPDATE monitoring_riskcase AS c SET level = r.level, rules = r.rules, "  # noqa: S608
        f"area_id = r.area_id, last_flagged_month = r.month{reopened} "
        "FROM monitoring_screeningresult r WHERE r.month = %s AND r.person_id = c.person_id "
        f"AND r.area_id LIKE %s AND c.status = %s AND {month_test} "
        # A re-run changes nothing, and writes nothing.
        "AND (c.level <> r.level OR c.rules <> r.rules OR c.area_id <> r.area_id "
        "OR c.last_flagged_month <> r.month)"
    )
    params: list = [CaseStatus.OPEN.value] if reopen else []
    params += [month, area_code + "%", status.value, month]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _reopen_notes(month: dt.date, area_code: str) -> list[tuple[int, str]]:
    """The closed cases the screening of ``month`` reopens, each with the note saying why."""
    at_risk = ScreeningResult.objects.filter(
        prefix_q("area_id", area_code), month=month, person_id=OuterRef("person_id")
    )
    notes = []
    for case in (
        RiskCase.objects.filter(status=CaseStatus.CLOSED, last_flagged_month__lt=month)
        .filter(Exists(at_risk))
        .select_related("closed_by")
    ):
        closed = {
            "day": f"{timezone.localtime(case.closed_at):%Y-%m-%d}" if case.closed_at else "?",
            "by": str(case.closed_by or "?"),
            "reason": case.close_reason,
            "month": f"{month:%Y-%m}",
        }
        if case.last_flagged_month == _previous_month(month):
            note = "Closed on {day} by {by} ({reason}), but still at risk in {month}.".format(
                **closed
            )
        else:
            note = (
                "At risk again in {month} after the case was closed on {day} by {by} "
                "({reason}).".format(**closed)
            )
        notes.append((case.pk, note))
    return notes


def _open_new_cases(results: pa.Table, month: dt.date, now: dt.datetime) -> int:
    """A case, and its "put on the list" event, for each person at risk in ``month`` who
    has never had one (a person has one case, wherever they live now).

    Worked out in Arrow against the persons who have a case, and written in bulk with
    keys drawn first: the INSERT … SELECT … WHERE NOT EXISTS over the table being inserted
    into, which this replaced, was planned after the table had been emptied as a scan of
    that growing table per row and ran for minutes at 167,000 new cases."""
    have_case = pa.array(RiskCase.objects.values_list("person_id", flat=True), pa.int64())
    new = results.filter(pc.invert(pc.is_in(results["person_id"], value_set=have_case)))
    count = new.num_rows
    if not count:
        return 0
    ids = pa.array(PrimaryKeys(RiskCase).take(count), pa.int64())
    months = pa.array([month] * count, pa.date32())
    insert_arrow(
        RiskCase,
        pa.table(
            {
                "id": ids,
                "person_id": new["person_id"],
                "area_id": new["area_id"],
                "status": pa.array([CaseStatus.OPEN.value] * count),
                "level": new["level"],
                "rules": new["rules"],
                "opened_month": months,
                "last_flagged_month": months,
                "close_reason": pa.array([""] * count),
            }
        ),
        now,
    )
    insert_arrow(
        CaseEvent,
        pa.table(
            {
                "case_id": ids,
                "kind": pa.array([CaseEventKind.OPENED.value] * count),
                "month": months,
                "note": new["rules"],
                "at": pa.array([now] * count, pa.timestamp("us", tz="UTC")),
            }
        ),
        now,
    )
    _analyze(RiskCase)
    return count


def _count_open(month: dt.date, area_code: str) -> None:
    OpenCount.objects.filter(prefix_q("area_id", area_code), month=month).delete()
    counts = (
        RiskCase.objects.filter(prefix_q("area_id", area_code), status=CaseStatus.OPEN)
        .values("area_id")
        .annotate(n=Count("id"))
        .order_by("area_id")
    )
    OpenCount.objects.bulk_create(
        [OpenCount(month=month, area_id=row["area_id"], open_cases=row["n"]) for row in counts],
        batch_size=WRITE_CHUNK,
    )


def screen_month(
    area_code: str,
    month: dt.date,
    *,
    actor: User | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Screening:
    """Screen everyone under ``area_code`` for ``month`` and bring the list up to date.

    Idempotent: a re-run replaces the month's results and counts; a case is opened once
    per person and reopened only by a later month than the one it was last found in.
    """
    report = progress or (lambda done, total, message: None)
    month = _first_of(month)
    area = Area.objects.get(code=area_code)
    report(0, 4, "surveys")
    refresh_survey_facts(area_code)
    report(1, 4, "reading")
    inputs = read_inputs(Scope.area(area_code))
    report(2, 4, "screening")
    screened = engine.screen(inputs, month, ParameterSet.load(), ruleset_on(month))
    report(3, 4, "writing")
    now = timezone.now()
    levels: dict[str, int] = {}
    for level in screened.results["level"].to_pylist():
        levels[level] = levels.get(level, 0) + 1
    with transaction.atomic():
        screening, _created = Screening.objects.update_or_create(
            month=month,
            area=area,
            defaults={
                "ran_by": actor if actor is not None and actor.is_authenticated else None,
                "ran_at": now,
                "persons": screened.persons,
                "at_risk": screened.results.num_rows,
                "summary": {
                    "levels": levels,
                    "not_configured": screened.not_configured,
                    "rules_from": screened.ruleset.effective_from.isoformat(),
                },
            },
        )
        ScreeningResult.objects.filter(prefix_q("area_id", area_code), month=month).delete()
        _write_results(screened.results, month, now)
        _update_flagged_cases(month, area_code, reopen=False)
        notes = _reopen_notes(month, area_code)
        _update_flagged_cases(month, area_code, reopen=True)
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(case_id=pk, kind=CaseEventKind.REOPENED, month=month, note=note, at=now)
                for pk, note in notes
            ]
        )
        opened = _open_new_cases(screened.results, month, now)
        _count_open(month, area_code)
        screening.summary |= {"opened": opened, "reopened": len(notes)}
        screening.save(update_fields=["summary"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            object_type="monitoring.screening",
            object_id=screening.pk,
            area_code=area_code,
            summary=(
                f"risk screening {month:%Y-%m}: {screened.persons} persons, "
                f"{screened.results.num_rows} at risk, {opened} opened, {len(notes)} reopened"
            ),
            source="risk_screening",
        )
    report(4, 4, "done")
    return screening


# --- cases -----------------------------------------------------------------------------------


def _ensure_manage(actor: User, area_code: str, message: str) -> None:
    ensure_allowed(actor, Capability.MANAGE_RISK_CASES, area_code, message)


def report_circumstance(
    actor: User,
    person: Person,
    kind: str,
    occurred_on: dt.date,
    amount: Decimal | None,
    note: str,
    today: dt.date,
) -> Circumstance:
    """Record a hardship the registry does not hold (an illness, a disaster)."""
    _ensure_manage(actor, person.area_id, _("You may not record hardships for this person."))
    errors: dict[str, str] = {}
    if kind not in CircumstanceKind.values:
        errors["kind"] = _("Choose the kind of hardship.")
    if occurred_on is None or occurred_on > today:
        errors["occurred_on"] = _("Give the date; it cannot be in the future.")
    if kind == CircumstanceKind.MEDICAL_EXPENSE and (amount is None or amount <= 0):
        errors["amount"] = _("Give the amount paid out of pocket, in yuan.")
    if amount is not None and (amount < 0 or amount != amount.quantize(Decimal("0.01"))):
        errors["amount"] = _("Give the amount in yuan with at most 2 decimal places.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        found = Circumstance.objects.create(
            person=person,
            kind=kind,
            occurred_on=occurred_on,
            amount=amount,
            note=(note or "").strip()[:500],
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            object_type="monitoring.circumstance",
            object_id=found.pk,
            person_id=person.pk,
            area_code=person.area_id,
            summary=f"{kind} on {occurred_on}" + (f", {amount} yuan" if amount is not None else ""),
        )
    return found


def _locked_open_case(actor: User, case: RiskCase, message: str) -> RiskCase:
    _ensure_manage(actor, case.area_id, message)
    locked = RiskCase.objects.select_for_update().get(pk=case.pk)
    if locked.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is closed."))
    return locked


def record_measure(
    actor: User, case: RiskCase, kind: str, started_on: dt.date, detail: str, today: dt.date
) -> Measure:
    """Record one measure of help for a person on the list."""
    errors: dict[str, str] = {}
    if kind not in MeasureKind.values:
        errors["kind"] = _("Choose the kind of help.")
    if started_on is None or started_on > today:
        errors["started_on"] = _("Give the date; it cannot be in the future.")
    detail = (detail or "").strip()
    if not detail:
        errors["detail"] = _("Say what was done.")
    _ensure_manage(actor, case.area_id, _("You may not record help for this case."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked_open_case(actor, case, _("You may not record help for this case."))
        now = timezone.now()
        measure = Measure.objects.create(
            case=locked,
            kind=kind,
            started_on=started_on,
            detail=detail[:500],
            recorded_by=actor,
            recorded_at=now,
        )
        CaseEvent.objects.create(
            case=locked,
            kind=CaseEventKind.MEASURE,
            note=f"{measure.get_kind_display()}: {detail}"[:1000],
            actor=actor,
            at=now,
        )
        audit.record(
            actor,
            AuditAction.CREATE,
            object_type="monitoring.measure",
            object_id=measure.pk,
            person_id=locked.person_id,
            area_code=locked.area_id,
            summary=f"{kind} from {started_on}: {detail}"[:200],
        )
    return measure


def close_case(actor: User, case: RiskCase, reason: str) -> RiskCase:
    """Take a person off the list because the risk is cleared (动态清零), with the reason.
    A later month's screening that finds the risk again reopens the case."""
    _ensure_manage(actor, case.area_id, _("You may not close this case."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the risk is cleared.")})
    with transaction.atomic():
        locked = _locked_open_case(actor, case, _("You may not close this case."))
        now = timezone.now()
        locked.status = CaseStatus.CLOSED
        locked.closed_by = actor
        locked.closed_at = now
        locked.close_reason = reason[:2000]
        locked.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
        CaseEvent.objects.create(
            case=locked,
            kind=CaseEventKind.CLOSED,
            month=locked.last_flagged_month,
            note=reason[:2000],
            actor=actor,
            at=now,
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            object_type=CASE_OBJECT,
            object_id=locked.pk,
            person_id=locked.person_id,
            area_code=locked.area_id,
            summary=f"closed: {reason}"[:200],
            changes={"status": [CaseStatus.OPEN.value, CaseStatus.CLOSED.value]},
        )
    return locked
