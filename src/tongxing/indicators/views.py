"""Indicator dashboards, reported values, evaluation reports and the public page.

Every page reads snapshots or a report's frozen figures; nothing here counts persons.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area, AreaLevel
from tongxing.core import audit
from tongxing.core.exports import csv_chunks
from tongxing.core.models import AuditAction
from tongxing.indicators import actions, reports
from tongxing.indicators.evaluation import (
    PLAN_YEARS,
    SMALL_CELL,
    TOLERANCE,
    WITHHELD,
    Status,
    number_text,
    parameter,
    public_value,
    quarters,
    ranking,
    rows_for,
)
from tongxing.indicators.forms import (
    ComputeForm,
    NarrativeForm,
    RejectForm,
    ReportedValueForm,
    ReportForm,
)
from tongxing.indicators.models import (
    Evidence,
    Indicator,
    Report,
    ReportedStatus,
    ReportedValue,
    ReportStatus,
    Snapshot,
)
from tongxing.registry.forms import apply_errors

SHOWN_LEVELS = (AreaLevel.CITY, AreaLevel.COUNTY, AreaLevel.TOWNSHIP)


def _refuse(user: Any, object_type: str, object_id: Any, area_code: str = "") -> Http404:
    audit.record(
        user,
        AuditAction.REFUSED,
        object_type=object_type,
        object_id=object_id,
        area_code=area_code,
        summary="indicator page outside the user's area",
    )
    return Http404()


def _area(request: HttpRequest) -> Area:
    """The area asked for (default: the user's own); outside the user's area: 404, audited."""
    user = request.user
    if not user.can(Capability.VIEW_INDICATORS) or not user.area_id:
        raise PermissionDenied
    code = request.GET.get("area") or user.area_id
    area = Area.objects.filter(code=code, level__in=SHOWN_LEVELS).first()
    if area is None:
        if code == user.area_id:
            raise PermissionDenied  # a village worker: no dashboards at village level
        raise Http404
    if not area.code.startswith(user.area_id):
        raise _refuse(user, "areas.area", code, code)
    return area


def _year(request: HttpRequest, area: Area) -> int:
    latest = Snapshot.objects.filter(area=area, year__in=PLAN_YEARS).aggregate(latest=Max("year"))[
        "latest"
    ]
    try:
        year = int(request.GET.get("year") or latest or PLAN_YEARS[-1])
    except ValueError:
        raise Http404 from None
    if year not in PLAN_YEARS:
        raise Http404
    return year


def _trail(area: Area) -> list[Area]:
    trail = []
    current: Area | None = area
    while current is not None and current.level in SHOWN_LEVELS:
        trail.append(current)
        current = current.parent
    return list(reversed(trail))


def _children(area: Area) -> list[Area]:
    if area.level == AreaLevel.TOWNSHIP:
        return []
    return list(Area.objects.filter(parent=area).order_by("code"))


def _status_rule(year: int) -> dict[str, Any]:
    return {"tolerance": number_text(parameter(TOLERANCE, year))}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    area = _area(request)
    year = _year(request, area)
    rows = rows_for(area, year)
    tally = {status: 0 for status in Status}
    for row in rows:
        tally[row.status] += 1
    user = request.user
    return render(
        request,
        "indicators/dashboard.html",
        {
            "area": area,
            "year": year,
            "years": PLAN_YEARS,
            "rows": rows,
            "tally": [(s, tally[s]) for s in Status if tally[s]],
            "trail": _trail(area),
            "children": _children(area),
            "rule": _status_rule(year),
            "compute_form": ComputeForm(initial={"years": list(PLAN_YEARS)})
            if user.can(Capability.MANAGE_EVALUATION)
            else None,
            "last_computed": Snapshot.objects.filter(area=area, year=year).aggregate(
                latest=Max("computed_at")
            )["latest"],
        },
    )


@login_required
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    form = ComputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one year."))
        return redirect("indicators:dashboard")
    try:
        job = actions.start_computation(request.user, [int(y) for y in form.cleaned_data["years"]])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("indicators:dashboard")
    return redirect("jobs:detail", job.pk)


def _chart_series(row: Any) -> dict[str, Any]:
    return {
        "years": [str(y) for y in row.values],
        "values": [None if v is None else float(v) for v in row.values.values()],
        "target": None if row.indicator.target is None else float(row.indicator.target),
        "unit": row.indicator.get_unit_display(),
        "label": row.indicator.name,
        "target_label": _("2025 target"),
    }


@login_required
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator, code=code)
    area = _area(request)
    year = _year(request, area)
    row = rows_for(area, year, [indicator])[0]
    ranked = ranking(indicator, year, area) if area.level != AreaLevel.TOWNSHIP else []
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "area": area,
            "year": year,
            "years": PLAN_YEARS,
            "row": row,
            "trend": [(y, v, row.counts.get(y)) for y, v in row.values.items()],
            "quarters": quarters(indicator, area, year),
            "ranking": ranked,
            "trail": _trail(area),
            "rule": _status_rule(year),
            "chart": _chart_series(row),
            "ranking_chart": {
                "names": [r["area"].name for r in ranked],
                "values": [None if r["value"] is None else float(r["value"]) for r in ranked],
                "unit": indicator.get_unit_display(),
            },
            "reported": ReportedValue.objects.filter(
                indicator=indicator, area__code__startswith=area.code
            ).select_related("area", "entered_by", "decided_by")[:20],
        },
    )


# --- reported values -----------------------------------------------------------------------


def _reported_scope(user: Any):
    return ReportedValue.objects.filter(area__code__startswith=user.area_id).select_related(
        "indicator", "area", "entered_by", "decided_by", "evidence"
    )


@login_required
def reported_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.can(Capability.VIEW_INDICATORS) or not user.area_id:
        raise PermissionDenied
    may_report = user.can(Capability.REPORT_INDICATORS)
    form = (
        ReportedValueForm(user, request.POST or None, request.FILES or None) if may_report else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                actions.enter_reported_value(
                    user,
                    form.cleaned_data["indicator"],
                    form.cleaned_data["area"],
                    form.cleaned_data["year"],
                    form.cleaned_data["value"],
                    form.cleaned_data.get("evidence"),
                    form.cleaned_data.get("note", ""),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, _("The value is stored and awaits a second officer's confirmation.")
                )
                return redirect("indicators:reported_list")
    return render(
        request,
        "indicators/reported_list.html",
        {
            "form": form,
            "pending": _reported_scope(user).filter(status=ReportedStatus.ENTERED),
            "decided": _reported_scope(user).exclude(status=ReportedStatus.ENTERED)[:50],
            "may_confirm": user.can(Capability.CONFIRM_INDICATORS),
            "reject_form": RejectForm(),
        },
    )


def _reported_for(user: Any, pk: int) -> ReportedValue:
    reported = get_object_or_404(ReportedValue.objects.select_related("evidence"), pk=pk)
    if not user.can(Capability.VIEW_INDICATORS) or not user.area_id:
        raise PermissionDenied
    if not reported.area_id.startswith(user.area_id):
        raise _refuse(user, "indicators.reportedvalue", pk, reported.area_id)
    return reported


@login_required
@require_POST
def reported_decide(request: HttpRequest, pk: int) -> HttpResponse:
    reported = _reported_for(request.user, pk)
    try:
        if request.POST.get("decision") == "confirm":
            actions.confirm_reported_value(request.user, reported.pk)
            messages.success(request, _("Confirmed: the value now counts."))
        else:
            form = RejectForm(request.POST)
            reason = form.data.get("reason", "")
            actions.reject_reported_value(request.user, reported.pk, reason)
            messages.success(request, _("Rejected, with the reason recorded."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("indicators:reported_list")


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    reported = _reported_for(request.user, pk)
    evidence: Evidence = reported.evidence
    response = HttpResponse(bytes(evidence.content), content_type="application/octet-stream")
    # The uploaded name, encoded for any browser (RFC 6266), never as inline content.
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    return response


# --- reports -------------------------------------------------------------------------------


def _report_for(user: Any, pk: int) -> Report:
    report = get_object_or_404(Report.objects.select_related("area"), pk=pk)
    if not user.can(Capability.VIEW_INDICATORS) or not user.area_id:
        raise PermissionDenied
    if not report.area_id.startswith(user.area_id):
        raise _refuse(user, "indicators.report", pk, report.area_id)
    return report


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.can(Capability.VIEW_INDICATORS) or not user.area_id:
        raise PermissionDenied
    may_manage = user.can(Capability.MANAGE_EVALUATION)
    form = ReportForm(user, request.POST or None) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                report = actions.generate_report(
                    user,
                    form.cleaned_data["kind"],
                    form.cleaned_data["year"],
                    form.cleaned_data["area"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if report.is_issued:
                    messages.info(
                        request, _("This report was already issued; its figures are unchanged.")
                    )
                return redirect("indicators:report_detail", report.pk)
    return render(
        request,
        "indicators/report_list.html",
        {
            "form": form,
            "reports": Report.objects.filter(area__code__startswith=user.area_id).select_related(
                "area", "issued_by"
            ),
        },
    )


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report_for(request.user, pk)
    may_manage = request.user.can(Capability.MANAGE_EVALUATION) and not report.is_issued
    form = NarrativeForm(request.POST or None, initial=report.narrative) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                if request.POST.get("action") == "issue":
                    actions.save_narrative(request.user, report.pk, form.cleaned_data)
                    actions.issue_report(request.user, report.pk)
                    messages.success(request, _("The report is issued and can no longer change."))
                else:
                    actions.save_narrative(request.user, report.pk, form.cleaned_data)
                    messages.success(request, _("The narrative is saved."))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("indicators:report_detail", report.pk)
    return render(request, "indicators/report_detail.html", reports.context(report, form=form))


@login_required
def report_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    report = _report_for(request.user, pk)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        object_type="indicators.report",
        object_id=report.pk,
        area_code=report.area_id,
        summary=f"{report.kind} {report.year} as xlsx",
    )
    return FileResponse(
        reports.xlsx(report),
        as_attachment=True,
        filename=f"{report.kind}-{report.year}-{report.area_id}.xlsx",
    )


# --- the public page (no login, no personal data) ------------------------------------------


def _public_rows(area: Area, year: int, threshold: Decimal) -> list[dict[str, Any]]:
    rows = []
    for row in rows_for(area, year):
        _numerator, denominator = row.counts.get(year, (None, None))
        shown = public_value(row.indicator.unit, row.value, denominator, threshold)
        rows.append(
            {
                "indicator": row.indicator,
                "value": shown,
                "withheld": shown == WITHHELD,
                "target": number_text(row.indicator.target),
                "baseline": number_text(row.indicator.baseline),
                "status": row.status,
            }
        )
    return rows


def _public_year(request: HttpRequest, area: Area) -> int:
    try:
        return _year(request, area)
    except Http404:
        return PLAN_YEARS[-1]


def public_page(request: HttpRequest) -> HttpResponse:
    city = Area.objects.filter(level=AreaLevel.CITY).order_by("code").first()
    if city is None:
        raise Http404
    code = request.GET.get("area") or city.code
    area = Area.objects.filter(code=code, level__in=(AreaLevel.CITY, AreaLevel.COUNTY)).first()
    if area is None:
        raise Http404
    year = _public_year(request, area)
    threshold = parameter(SMALL_CELL, year)
    return render(
        request,
        "indicators/public.html",
        {
            "area": area,
            "city": city,
            "year": year,
            "years": PLAN_YEARS,
            "counties": Area.objects.filter(parent=city).order_by("code"),
            "rows": _public_rows(area, year, threshold),
            "threshold": number_text(threshold),
            "rule": _status_rule(year),
            "reports": Report.objects.filter(status=ReportStatus.ISSUED).select_related("area"),
            "csv_url": reverse("indicators_public:csv")
            + "?"
            + urlencode({"area": area.code, "year": year}),
        },
    )


def public_csv(request: HttpRequest) -> StreamingHttpResponse:
    city = Area.objects.filter(level=AreaLevel.CITY).order_by("code").first()
    if city is None:
        raise Http404
    year = _public_year(request, city)
    threshold = parameter(SMALL_CELL, year)
    areas = [city, *Area.objects.filter(parent=city).order_by("code")] if city else []
    header = [
        _("area code"),
        _("area"),
        _("year"),
        _("indicator code"),
        _("indicator"),
        _("unit"),
        _("value"),
        _("2020 baseline"),
        _("2025 target"),
        _("status"),
    ]

    def rows():
        for area in areas:
            for row in _public_rows(area, year, threshold):
                yield [
                    area.code,
                    area.name,
                    year,
                    row["indicator"].code,
                    row["indicator"].name,
                    row["indicator"].get_unit_display(),
                    _("withheld (fewer than %(n)s persons)") % {"n": number_text(threshold)}
                    if row["withheld"]
                    else (row["value"] or ""),
                    row["baseline"] or "",
                    row["target"] or "",
                    row["status"].label,
                ]

    response = StreamingHttpResponse(
        csv_chunks(header, rows()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="bazhong-plan-indicators-{year}.csv"'
    return response


def public_report(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        Report.objects.select_related("area"), pk=pk, status=ReportStatus.ISSUED
    )
    threshold = parameter(SMALL_CELL, report.year)
    return render(
        request,
        "indicators/report_detail.html",
        reports.context(report, public=True, threshold=threshold),
    )
