"""Risk monitoring pages: check, parse, call, respond."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Sum, Value, When
from django.db.models.functions import Substr
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from tongxing.accounts.roles import Capability
from tongxing.areas.models import CODE_LENGTH, Area
from tongxing.benefits.engine import month_bounds
from tongxing.benefits.inputs import Scope
from tongxing.benefits.parameters import ParameterLookupError, ParameterSet
from tongxing.core import audit
from tongxing.core.exports import CSV_CONTENT_TYPE, csv_chunks
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.monitoring import actions, engine, queries
from tongxing.monitoring.forms import (
    CaseFilterForm,
    CircumstanceForm,
    CloseCaseForm,
    MeasureForm,
    MonthField,
    RunScreeningForm,
)
from tongxing.monitoring.inputs import read_inputs
from tongxing.monitoring.models import (
    LEVEL_ORDER,
    CaseStatus,
    Circumstance,
    RiskCase,
    RiskLevel,
    Screening,
    ScreeningResult,
)
from tongxing.monitoring.rules import BY_CODE
from tongxing.monitoring.ruleset import NoRuleSetError, ruleset_on
from tongxing.registry.forms import apply_errors

LEVEL_RANK = Case(
    *(When(level=level, then=Value(rank)) for level, rank in LEVEL_ORDER.items()),
    default=Value(0),
)
LENGTHS = sorted(CODE_LENGTH.values())
COUNT_MONTHS = 12


def _below(code: str) -> int:
    """The code length of the level one below ``code``'s (a village stays a village)."""
    return next((n for n in LENGTHS if n > len(code)), len(code))


def _sub_areas(code: str) -> list[tuple[str, str]]:
    length = _below(code)
    return (
        list(
            Area.objects.filter(prefix_q("code", code))
            .exclude(code=code)
            .filter(code__regex=rf"^.{{{length}}}$")
            .values_list("code", "name")
        )
        if length > len(code)
        else []
    )


def _filtered(request: HttpRequest) -> tuple[CaseFilterForm, object]:
    user = request.user
    cases = queries.cases_for(user)
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = CaseStatus.OPEN
    form = CaseFilterForm(data, areas=_sub_areas(user.area_id))
    if form.is_valid():
        cleaned = form.cleaned_data
        if cleaned["status"]:
            cases = cases.filter(status=cleaned["status"])
        if cleaned["level"]:
            cases = cases.filter(level=cleaned["level"])
        if cleaned["rule"]:
            cases = cases.filter(rules__contains=cleaned["rule"])
        if cleaned["area"]:
            cases = cases.filter(prefix_q("area_id", cleaned["area"]))
    return form, cases


FACT_LABELS = {
    "survey_year": _l("survey of the year"),
    "household_income": _l("household income per person (yuan per year)"),
    "medical_expenses": _l("medical expenses reported in the window (yuan)"),
    "employment_ended_on": _l("employment ended on"),
    "employed_at_end": _l("employed at the month's end"),
    "disaster_on": _l("disaster reported on"),
    "breadwinner_died_on": _l("head of household died on"),
    "breadwinner_ill_on": _l("breadwinner's illness reported on"),
    "grade": _l("disability grade"),
    "has_caregiver": _l("has a caregiver"),
    "dibao_ended_on": _l("低保 ended on"),
    "dibao_at_end": _l("低保 in force at the month's end"),
}


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _rule_labels(codes: list[str]) -> list[str]:
    return [str(BY_CODE[c].label) if c in BY_CODE else c for c in codes]


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    form, cases = _filtered(request)
    page = Paginator(
        cases.select_related("person", "area")
        .annotate(measure_count=Count("measures"), rank=LEVEL_RANK)
        .order_by("area_id", "-rank", "id"),
        settings.TONGXING_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    for case in page:
        case.rule_labels = _rule_labels(case.rule_codes)
    user = request.user
    query = urlencode({k: v for k, v in form.data.items() if k in form.fields})
    may_run = user.can(Capability.RUN_RISK_SCREENING)
    latest = queries.latest_month(user)
    return render(
        request,
        "monitoring/case_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "may_run": may_run,
            "run_form": RunScreeningForm(initial={"month": f"{latest:%Y-%m}" if latest else ""}),
            "latest": latest,
            "screenings": Screening.objects.filter(prefix_q("area_id", user.area_id))[:6],
        },
    )


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.can(Capability.RUN_RISK_SCREENING):
        raise PermissionDenied
    form = RunScreeningForm(request.POST)
    if form.is_valid():
        try:
            job = actions.start_screening(
                user,
                Area.objects.get(code=user.area_id),
                form.cleaned_data["month"],
                timezone.localdate(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("jobs:detail", job_id=job.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("monitoring:case_list")


@login_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    _form, cases = _filtered(request)
    user = request.user
    audit.record(
        user,
        AuditAction.EXPORT,
        object_type=actions.CASE_OBJECT,
        area_code=user.area_id,
        summary=f"risk list export ({cases.count()} cases), ID numbers masked",
        purpose="risk monitoring list",
    )
    header = [
        _("Name"),
        _("ID number (masked)"),
        _("Area"),
        _("Status"),
        _("Risk level"),
        _("Risks"),
        _("On the list since"),
        _("Last found at risk"),
    ]
    rows = (
        [
            case.person.name,
            case.person.masked_id_number,
            case.area.name,
            case.get_status_display(),
            case.get_level_display(),
            "; ".join(_rule_labels(case.rule_codes)),
            f"{case.opened_month:%Y-%m}",
            f"{case.last_flagged_month:%Y-%m}",
        ]
        for case in cases.select_related("person", "area").order_by("area_id", "id").iterator(2000)
    )
    response = StreamingHttpResponse(csv_chunks(header, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="risk-list.csv"'
    return response


@login_required
def counts(request: HttpRequest) -> HttpResponse:
    """Open cases per area one level below the chosen one, month by month."""
    user = request.user
    rows_qs = queries.counts_for(user)
    code = request.GET.get("area") or user.area_id
    if not code.startswith(user.area_id) or not Area.objects.filter(code=code).exists():
        raise Http404
    length = _below(code)
    months = sorted(set(rows_qs.filter(prefix_q("area_id", code)).values_list("month", flat=True)))[
        -COUNT_MONTHS:
    ]
    table: dict[str, dict[dt.date, int]] = defaultdict(dict)
    for row in (
        rows_qs.filter(prefix_q("area_id", code), month__in=months)
        .annotate(part=Substr("area_id", 1, length))
        .values("part", "month")
        .annotate(n=Sum("open_cases"))
    ):
        table[row["part"]][row["month"]] = row["n"]
    names = dict(Area.objects.filter(code__in=table).values_list("code", "name"))
    area = Area.objects.get(code=code)
    return render(
        request,
        "monitoring/counts.html",
        {
            "area": area,
            "up": area.parent
            if area.parent_id and area.parent_id.startswith(user.area_id)
            else None,
            "months": months,
            "drill": length < CODE_LENGTH["village"],
            "rows": [
                {"code": c, "name": names.get(c, c), "cells": [table[c].get(m, 0) for m in months]}
                for c in sorted(table)
            ],
            "totals": [sum(table[c].get(m, 0) for c in table) for m in months],
        },
    )


def _month_of(request: HttpRequest, case: RiskCase | None) -> dt.date | None:
    try:
        chosen = MonthField(required=False).clean(request.GET.get("month", ""))
    except ValidationError:
        chosen = None
    if chosen:
        return chosen
    if case is not None:
        return case.last_flagged_month
    return queries.latest_month(request.user)


def _explanation(person_id: int, month: dt.date) -> tuple[engine.Explanation | None, str]:
    try:
        explained = engine.explain(
            read_inputs(Scope.persons([person_id])),
            person_id,
            month,
            ParameterSet.load(),
            ruleset_on(month),
        )
    except (ParameterLookupError, NoRuleSetError) as error:
        return None, str(error)
    return explained, ""


def _case_page(request: HttpRequest, pk: int, **forms) -> HttpResponse:
    person = queries.person_for(request.user, pk)
    case = RiskCase.objects.filter(person=person).select_related("closed_by").first()
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type="monitoring.person",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
    )
    month = _month_of(request, case)
    explanation, problem = _explanation(person.pk, month) if month else (None, "")
    result = ScreeningResult.objects.filter(person=person, month=month).first() if month else None
    may_manage = request.user.can(Capability.MANAGE_RISK_CASES)
    if explanation is not None:
        for outcome in explanation.outcomes:
            outcome.fact_rows = [(FACT_LABELS[k], _shown(v)) for k, v in outcome.facts.items()]
    latest = queries.latest_month(request.user)
    still_at_risk = (
        case is not None
        and case.status == CaseStatus.OPEN
        and latest is not None
        and ScreeningResult.objects.filter(person=person, month=latest).exists()
    )
    return render(
        request,
        "monitoring/person.html",
        {
            "person": person,
            "case": case,
            "month": month,
            "result": result,
            "explanation": explanation,
            "outcomes": explanation.outcomes if explanation else [],
            "level_label": dict(RiskLevel.choices).get(explanation.level) if explanation else "",
            "month_end": month_bounds(month)[1] if month else None,
            "still_at_risk": still_at_risk,
            "problem": problem,
            "rule_labels": _rule_labels(case.rule_codes) if case else [],
            "result_labels": _rule_labels(result.rule_codes) if result else [],
            "measures": case.measures.select_related("recorded_by") if case else [],
            "events": case.events.select_related("actor") if case else [],
            "circumstances": Circumstance.objects.filter(person=person).select_related(
                "recorded_by"
            ),
            "may_manage": may_manage,
            "measure_form": forms.get("measure_form") or MeasureForm(),
            "close_form": forms.get("close_form") or CloseCaseForm(),
            "circumstance_form": forms.get("circumstance_form") or CircumstanceForm(),
        },
        status=400 if forms else 200,
    )


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, pk)


def _case_of(request: HttpRequest, pk: int) -> RiskCase:
    person = queries.person_for(request.user, pk)
    case = RiskCase.objects.filter(person=person).first()
    if case is None:
        raise Http404
    return case


@login_required
@require_POST
def add_measure(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_of(request, pk)
    form = MeasureForm(request.POST)
    if form.is_valid():
        try:
            actions.record_measure(
                request.user,
                case,
                form.cleaned_data["kind"],
                form.cleaned_data["started_on"],
                form.cleaned_data["detail"],
                timezone.localdate(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The help is recorded."))
            return redirect(case)
    return _case_page(request, pk, measure_form=form)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_of(request, pk)
    form = CloseCaseForm(request.POST)
    if form.is_valid():
        try:
            actions.close_case(request.user, case, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The case is closed."))
            return redirect(case)
    return _case_page(request, pk, close_form=form)


@login_required
@require_POST
def add_circumstance(request: HttpRequest, pk: int) -> HttpResponse:
    person = queries.person_for(request.user, pk)
    form = CircumstanceForm(request.POST)
    if form.is_valid():
        try:
            actions.report_circumstance(
                request.user,
                person,
                form.cleaned_data["kind"],
                form.cleaned_data["occurred_on"],
                form.cleaned_data["amount"],
                form.cleaned_data["note"],
                timezone.localdate(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("The hardship is recorded; the next screening takes it into account.")
            )
            return redirect("monitoring:person", pk=person.pk)
    return _case_page(request, pk, circumstance_form=form)
