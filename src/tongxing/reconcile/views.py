"""Department list and worklist pages: check, parse, call, respond."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxing.areas.models import Area
from tongxing.exchange.validation import REASONS
from tongxing.reconcile import actions, demo, queries
from tongxing.reconcile.forms import CloseFindingForm, ListUploadForm, WorklistFilterForm
from tongxing.reconcile.kinds import KINDS
from tongxing.reconcile.models import FindingStatus, Rule
from tongxing.registry.forms import apply_errors

AREA_CODE_LENGTHS = (4, 6, 9, 12)  # city, county, township, village


@login_required
def list_index(request: HttpRequest) -> HttpResponse:
    lists = queries.lists_for(request.user).select_related("uploaded_by", "area")
    form = ListUploadForm(request.POST or None, request.FILES or None)
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            stored = actions.upload_list(
                request.user,
                form.cleaned_data["kind"],
                form.cleaned_data["list_date"],
                form.cleaned_data["file"],
                timezone.localdate(),
            )
        except actions.ListRefused as error:
            refused = error.checked
            form.add_error(
                "file",
                _("The list was not stored: it has %(n)d problems, listed below.")
                % {"n": len(refused.problems) + refused.more_problems},
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Stored: %(kind)s of %(date)s, %(rows)d rows.")
                % {
                    "kind": stored.get_kind_display(),
                    "date": stored.list_date,
                    "rows": stored.rows_total,
                },
            )
            return redirect("reconcile:list_index")
    return render(
        request,
        "reconcile/list_index.html",
        {
            "form": form,
            "refused": refused,
            "reasons": REASONS,
            "lists": lists[:100],
            "kinds": KINDS.values(),
            "demo_available": demo.demo_path().exists(),
        },
    )


@login_required
def demo_list(request: HttpRequest) -> FileResponse:
    actions.ensure_may_upload(request.user)
    path = demo.demo_path()
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename="demo-deaths.xlsx")


def _counts(request: HttpRequest, findings) -> tuple[list[dict], list]:
    """Open findings per rule for each area one level below the user's."""
    here = request.user.area_id
    length = next((n for n in AREA_CODE_LENGTHS if n > len(here)), len(here))
    rows = (
        findings.filter(status=FindingStatus.OPEN)
        .annotate(part=Substr("area_id", 1, length))
        .values("part", "rule")
        .annotate(n=Count("id"), amount=Sum("amount"))
    )
    table: dict[str, dict] = defaultdict(dict)
    for row in rows:
        table[row["part"]][row["rule"]] = row["n"]
    names = dict(Area.objects.filter(code__in=table).values_list("code", "name"))
    rules = [rule for rule in Rule if any(rule.value in cells for cells in table.values())]
    return [
        {
            "code": code,
            "name": names.get(code, code),
            "cells": [table[code].get(rule.value, 0) for rule in rules],
        }
        for code in sorted(table)
    ], rules


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    findings = queries.findings_for(request.user)
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = FindingStatus.OPEN
    form = WorklistFilterForm(data)
    shown = findings.select_related("person", "area")
    if form.is_valid():
        if form.cleaned_data["rule"]:
            shown = shown.filter(rule=form.cleaned_data["rule"])
        if form.cleaned_data["status"]:
            shown = shown.filter(status=form.cleaned_data["status"])
    page = Paginator(shown.order_by("area_id", "rule", "id"), settings.TONGXING_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts, count_rules = _counts(request, findings)
    query = urlencode({k: v for k, v in data.items() if k in ("rule", "status")})
    return render(
        request,
        "reconcile/worklist.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "counts": counts,
            "count_rules": count_rules,
            "may_run": request.user.can(actions.Capability.RUN_RECONCILIATION),
        },
    )


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    counts = actions.run_reconciliation(request.user, timezone.localdate())
    messages.success(
        request,
        _("The reconciliation found %(n)d new items for the worklist.")
        % {"n": sum(counts.values())},
    )
    return redirect("reconcile:worklist")


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        finding = queries.get_finding_for_user(request.user, pk)
    else:
        finding = queries.open_finding(request.user, pk)
    may_close = finding.status == FindingStatus.OPEN and request.user.can(
        actions.Capability.RESOLVE_FINDINGS
    )
    form = CloseFindingForm(request.POST or None)
    if request.method == "POST":
        actions.ensure_may_close(request.user)
        if form.is_valid():
            try:
                actions.close_finding(
                    request.user, finding, form.cleaned_data["status"], form.cleaned_data["reason"]
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The worklist item is closed."))
                return redirect(finding)
    return render(
        request,
        "reconcile/finding.html",
        {"finding": finding, "form": form, "may_close": may_close},
    )
