"""Staff and institution pages for child rehabilitation: the institution directory, an
institution's children, service records and settlements, a child's case, and the
settlement statement (printable, and as .xlsx for cross-region settlement)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.exports import XLSX_CONTENT_TYPE, xlsx_file
from tongxing.core.masking import mask_id_number
from tongxing.core.models import AuditAction
from tongxing.devices.access import is_facility_staff, is_provider, settling_area_code
from tongxing.registry.forms import apply_errors
from tongxing.rehab import actions, forms, queries
from tongxing.rehab.models import ServiceRecord, Settlement
from tongxing.services.models import Facility


@login_required
def home(request: HttpRequest) -> HttpResponse:
    institutions = queries.institutions_for(request.user)
    return render(
        request,
        "rehab/home.html",
        {
            "institutions": institutions,
            "cases": queries.cases_for(request.user)[:200],
            "today": timezone.localdate(),
        },
    )


def _placement_choices(user: Any, institution: Facility) -> list[tuple[str, str]]:
    return [
        (str(p.pk), f"{p.child.name} ({p.start:%Y-%m-%d})")
        for p in queries.placements_for(user, institution).filter(end__isnull=True)
    ]


@login_required
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = queries.get_institution_for_user(request.user, pk)
    user = request.user
    can_record = (
        user.can(Capability.RECORD_REHAB_SERVICES)
        and is_provider(user)
        and is_facility_staff(user, institution)
    )
    can_settle = user.can(Capability.SETTLE_REHAB) and settling_area_code(institution).startswith(
        user.area_id or "-"
    )
    posted = request.POST.get("form") if request.method == "POST" else None
    if (posted == "service" and not can_record) or (posted == "settle" and not can_settle):
        raise PermissionDenied
    service_form = forms.ServiceForm(
        request.POST if posted == "service" else None, prefix="service"
    )
    service_form.fields["placement"].choices = _placement_choices(user, institution)
    settle_form = forms.SettleForm(request.POST if posted == "settle" else None, prefix="settle")
    if posted == "service" and service_form.is_valid():
        data = service_form.cleaned_data
        placement = queries.placements_for(user, institution).get(pk=data["placement"])
        try:
            actions.record_service(
                user,
                placement,
                month=data["month"],
                sessions=data["sessions"],
                amount=data["amount"],
            )
        except ValidationError as error:
            apply_errors(service_form, error)
        else:
            messages.success(request, _("Service record saved."))
            return redirect("rehab:institution", pk=institution.pk)
    if posted == "settle" and settle_form.is_valid():
        try:
            settlement = actions.settle_month(user, institution, settle_form.cleaned_data["month"])
        except ValidationError as error:
            apply_errors(settle_form, error)
        else:
            messages.success(request, _("The month is settled."))
            return redirect("rehab:settlement", pk=settlement.pk)
    placements = queries.placements_for(user, institution)
    visible_records = ServiceRecord.objects.filter(placement__in=placements).select_related(
        "child"
    )[:500]
    return render(
        request,
        "rehab/institution.html",
        {
            "institution": institution,
            "placements": placements,
            "records": visible_records,
            "settlements": queries.settlements_for(user).filter(institution=institution),
            "service_form": service_form if can_record else None,
            "settle_form": settle_form if can_settle else None,
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A child's case and placements. Its steps are the application's, done on the
    engine's application page (the handlers fill this case)."""
    case = queries.get_case_for_user(request.user, pk)
    return render(
        request,
        "rehab/case.html",
        {"case": case, "placements": case.placements.select_related("institution")},
    )


def _statement(request: HttpRequest, pk: int) -> tuple[Settlement, list]:
    settlement = queries.get_settlement_for_user(request.user, pk)
    lines = list(
        settlement.lines.select_related("child", "record").order_by("child__name", "child_id")
    )
    return settlement, lines


@login_required
def settlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    settlement, lines = _statement(request, pk)
    return render(request, "rehab/settlement.html", {"settlement": settlement, "lines": lines})


@login_required
def settlement_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    settlement, lines = _statement(request, pk)
    institution = settlement.institution
    header = [
        _("Child"),
        _("ID number (masked)"),
        _("Month"),
        _("Sessions"),
        _("Claimed (yuan)"),
        _("Paid earlier this year (yuan)"),
        _("Yearly cap (yuan)"),
        _("Payable (yuan)"),
    ]
    rows = [
        [
            line.child.name,
            mask_id_number(line.child.id_number),
            f"{settlement.month:%Y-%m}",
            line.record.sessions,
            line.claimed,
            line.paid_before,
            line.cap if line.cap is not None else _("not found: not applied"),
            line.payable,
        ]
        for line in lines
    ]
    rows.append(["", "", "", _("Total"), settlement.claimed, "", "", settlement.payable])
    if institution.area_id:
        region = institution.area.name
    else:
        region = f"{institution.region} ({_('cross-region settlement')})"
    # The same header block as the HTML statement: a printed sheet must say whose it is.
    preamble = [
        [_("Settlement statement")],
        [_("Institution"), institution.name],
        [_("Region"), region],
        [_("Settled by"), settlement.settling_area.name],
        [_("Month"), f"{settlement.month:%Y-%m}"],
        [_("Children"), settlement.children],
        [_("Claimed (yuan)"), settlement.claimed],
        [_("Payable (yuan)"), settlement.payable],
    ]
    audit.record(
        request.user,
        AuditAction.EXPORT,
        object_type="rehab.settlement",
        object_id=settlement.pk,
        area_code=settlement.settling_area_id,
        summary=f"settlement statement {institution.name} {settlement.month:%Y-%m} exported",
    )
    name = f"settlement-{settlement.pk}-{settlement.month:%Y-%m}.xlsx"
    return FileResponse(
        xlsx_file(header, rows, sheet=f"{settlement.month:%Y-%m}", preamble=preamble),
        as_attachment=True,
        filename=name,
        content_type=XLSX_CONTENT_TYPE,
    )
