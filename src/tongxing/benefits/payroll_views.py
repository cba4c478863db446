"""The monthly payroll pages: list, prepare, review, approve, lock, download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxing.accounts.roles import Capability
from tongxing.areas.models import Area
from tongxing.benefits import actions, forms, payment_files
from tongxing.benefits.models import BatchStatus, ChangeKind, PayrollBatch, PayrollChange
from tongxing.benefits.rules import BY_CODE, benefit_name
from tongxing.core.pagination import CappedPaginator
from tongxing.core.scoping import prefix_q
from tongxing.registry.forms import apply_errors
from tongxing.registry.queries import require


def reason_label(code: str) -> str:
    """A stop or change reason in plain words."""
    labels = {
        "new": _("newly paid"),
        "alive": _("died"),
        "resident": _("moved out of the region"),
        "left_county": _("moved to another county"),
        "certificate_in_force": _("certificate frozen or cancelled"),
        "certificate_not_expired": _("certificate expired"),
        "hardship_household": _("household no longer receives 低保"),
        "severe_grade": _("grade no longer covered"),
        "not_tekun": _("now under 特困 support"),
        "no_work_injury_nursing": _("receives the work-injury nursing allowance"),
        "higher_than_elderly_care": _("the elderly care subsidy is higher"),
        "payment_month": _("a yearly payment, not due this month"),
        "contribution_age": _("outside the premium-paying ages"),
        "insured": _("no longer insured"),
        "student": _("no longer in school"),
        "physical": _("category no longer covered"),
        "motorised_wheelchair": _("no longer holds a motorised wheelchair"),
        "claim": _("application ended or withdrawn"),
        "grade_changed": _("grade changed"),
        "standard_changed": _("standard changed"),
    }
    return str(labels.get(code, code))


def _batches_for(user: Any) -> Any:
    """The batches of the counties within ``user``'s area."""
    require(user, Capability.VIEW_PAYROLL)
    return PayrollBatch.objects.filter(prefix_q("county_id", user.area_id)).select_related(
        "county", "prepared_by", "county_approved_by", "city_approved_by", "locked_by"
    )


def _batch_for(user: Any, pk: int) -> PayrollBatch:
    try:
        return _batches_for(user).get(pk=pk)
    except PayrollBatch.DoesNotExist:
        raise Http404 from None


@login_required
def payroll_list(request: HttpRequest) -> HttpResponse:
    batches = _batches_for(request.user).order_by("-month", "county_id")[:120]
    can_prepare = request.user.can(Capability.PREPARE_PAYROLL)
    form = forms.PrepareForm(initial={"month": timezone.localdate().replace(day=1)})
    return render(
        request,
        "benefits/payroll_list.html",
        {"batches": batches, "can_prepare": can_prepare, "form": form},
    )


@login_required
@require_POST
def payroll_prepare(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.PREPARE_PAYROLL)
    form = forms.PrepareForm(request.POST)
    if form.is_valid():
        county = Area.objects.get(code=request.user.area_id)
        try:
            batch = actions.start_preparation(request.user, county, form.cleaned_data["month"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The payroll is being prepared; follow its progress here."))
            return redirect("benefits:batch", pk=batch.pk)
    batches = _batches_for(request.user).order_by("-month", "county_id")[:120]
    return render(
        request,
        "benefits/payroll_list.html",
        {"batches": batches, "can_prepare": True, "form": form},
        status=400,
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request.user, pk)
    change = request.GET.get("change", "")
    changes = PayrollChange.objects.filter(batch=batch).order_by("change", "township", "person_id")
    if change in ChangeKind.values:
        changes = changes.filter(change=change)
    page = CappedPaginator(changes.select_related("person"), 50).get_page(request.GET.get("page"))
    for row in page:
        row.benefit_name = benefit_name(row.benefit)
        row.reason_text = reason_label(row.reason)
    summary = batch.summary or {}
    for row in summary.get("by_benefit", []):
        row["name"] = benefit_name(row["benefit"])
    for row in summary.get("changes", []):
        row["reason_text"] = reason_label(row["reason"])
    not_configured = [
        (benefit_name(code), problem) for code, problem in summary.get("not_configured", {}).items()
    ]
    user = request.user
    return render(
        request,
        "benefits/batch_detail.html",
        {
            "batch": batch,
            "summary": summary,
            "not_configured": not_configured,
            "page": page,
            "change": change,
            "change_query": f"change={change}" if change in ChangeKind.values else "",
            "change_kinds": ChangeKind.choices,
            "can_approve_county": user.can(Capability.APPROVE_PAYROLL_COUNTY)
            and batch.status == BatchStatus.PREPARED,
            "can_approve_city": user.can(Capability.APPROVE_PAYROLL_CITY)
            and batch.status == BatchStatus.COUNTY_APPROVED,
            "can_lock": user.can(Capability.LOCK_PAYROLL)
            and batch.status == BatchStatus.CITY_APPROVED,
            "can_download": user.can(Capability.DOWNLOAD_PAYMENT_FILES)
            and batch.status == BatchStatus.LOCKED,
            "can_prepare_again": user.can(Capability.PREPARE_PAYROLL)
            and batch.status in (BatchStatus.PREPARED, BatchStatus.RETURNED, BatchStatus.FAILED),
            "benefits": BY_CODE,
        },
    )


def _step(
    request: HttpRequest,
    pk: int,
    form_class: type,
    title: str,
    button: str,
    act: Callable[[PayrollBatch, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    batch = _batch_for(request.user, pk)
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            act(batch, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("You may not take this step."))
        else:
            messages.success(request, done)
            return redirect("benefits:batch", pk=batch.pk)
    return render(
        request,
        "benefits/batch_step.html",
        {"batch": batch, "form": form, "title": title, "button": button},
        status=400 if form.errors else 200,
    )


@login_required
def batch_approve_county(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        forms.forms.Form,
        _("Approve for the county"),
        _("Approve"),
        lambda batch, data: actions.approve_county(request.user, batch),
        _("Approved for the county; the city approves next."),
    )


@login_required
def batch_approve_city(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        forms.CityApprovalForm,
        _("Approve for the city"),
        _("Approve"),
        lambda batch, data: actions.approve_city(request.user, batch, data["acknowledgement"]),
        _("Approved for the city; a second city officer locks it."),
    )


@login_required
def batch_lock(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        forms.forms.Form,
        _("Lock and issue the payment files"),
        _("Lock"),
        lambda batch, data: actions.lock_batch(request.user, batch),
        _("Locked. The payment files can now be downloaded."),
    )


@login_required
def batch_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        forms.ReasonForm,
        _("Return for correction"),
        _("Return"),
        lambda batch, data: actions.return_batch(request.user, batch, data["reason"]),
        _("Returned; the county prepares it again."),
    )


@login_required
@require_POST
def batch_prepare_again(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request.user, pk)
    try:
        actions.start_preparation(request.user, batch.county, batch.month)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise
    else:
        messages.success(request, _("The payroll is being prepared again."))
    return redirect("benefits:batch", pk=batch.pk)


FILES = {
    "payment-csv": (payment_files.payment_file_csv, "text/csv; charset=utf-8", "csv"),
    "payment-xlsx": (
        payment_files.payment_file_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "premiums-csv": (payment_files.premium_list_csv, "text/csv; charset=utf-8", "csv"),
    "recoveries-csv": (payment_files.recovery_list_csv, "text/csv; charset=utf-8", "csv"),
}


@login_required
def batch_download(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in FILES:
        raise Http404
    batch = _batch_for(request.user, pk)
    form = forms.DownloadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_payment_file_download(
                request.user, batch, name, form.cleaned_data["purpose"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            build, content_type, extension = FILES[name]
            response = HttpResponse(build(batch), content_type=content_type)
            filename = f"payroll-{batch.county_id}-{batch.month:%Y-%m}-{name}.{extension}"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    return render(
        request,
        "benefits/batch_download.html",
        {"batch": batch, "form": form, "name": name},
        status=400 if form.errors else 200,
    )


@login_required
def batch_print(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request.user, pk)
    summary = batch.summary or {}
    for row in summary.get("by_benefit", []):
        row["name"] = benefit_name(row["benefit"])
    township_names = dict(
        Area.objects.filter(
            code__in=[r["township"] for r in summary.get("by_township", [])]
        ).values_list("code", "name")
    )
    for row in summary.get("by_township", []):
        row["name"] = township_names.get(row["township"], row["township"])
    return render(request, "benefits/batch_print.html", {"batch": batch, "summary": summary})
