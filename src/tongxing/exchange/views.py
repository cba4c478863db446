"""Registry import pages: check, parse, call, respond.

The check and the apply run inside the request for now. Job hookup: where
``actions.validate_import`` and ``actions.apply_import`` are called below, start the
``imports.validate`` / ``imports.apply`` jobs instead and redirect to the job's page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tongxing.core.exports import XLSX_CONTENT_TYPE
from tongxing.core.jobs import start_job
from tongxing.core.scoping import prefix_q
from tongxing.exchange import actions, demo
from tongxing.exchange.forms import ApplyForm, UploadForm
from tongxing.exchange.models import ImportBatch
from tongxing.exchange.report import report_xlsx
from tongxing.exchange.template import template_xlsx
from tongxing.exchange.validation import REASONS
from tongxing.registry.forms import apply_errors


def _batches_for(request: HttpRequest):
    actions.ensure_may_import(request.user)
    return ImportBatch.objects.filter(prefix_q("area_id", request.user.area_id))


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    try:
        return _batches_for(request).select_related("created_by", "applied_by").get(pk=pk)
    except ImportBatch.DoesNotExist:
        raise Http404 from None


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    batches = _batches_for(request).select_related("created_by")
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = actions.upload_import(request.user, form.cleaned_data["file"])
            if batch.size > settings.TONGXING_IMPORT_INLINE_BYTES:
                job = start_job(
                    "imports.validate",
                    user=request.user,
                    params={"batch_id": batch.pk},
                    label=_("Check %(name)s") % {"name": batch.original_name},
                    area=batch.area,
                )
                return redirect("jobs:detail", job_id=job.pk)
            actions.validate_import(request.user, batch)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect(batch)
    return render(
        request,
        "exchange/import_list.html",
        {
            "form": form,
            "batches": batches[:50],
            "demo_available": demo.demo_path().exists(),
        },
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    actions.ensure_may_import(request.user)
    response = HttpResponse(template_xlsx(request.user.area), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="registry-import-template.xlsx"'
    return response


@login_required
def import_demo(request: HttpRequest) -> FileResponse:
    actions.ensure_may_import(request.user)
    path = demo.demo_path()
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename="registry-import-demo.xlsx")


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    counts = [
        {"code": row["code"], "label": REASONS.get(row["code"], row["code"]), "n": row["n"]}
        for row in batch.problems.values("code").annotate(n=Count("id")).order_by("-n", "code")
    ]
    page = Paginator(batch.problems.all(), settings.TONGXING_PAGE_SIZE * 2).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "exchange/import_detail.html",
        {"batch": batch, "counts": counts, "page": page, "apply_form": ApplyForm()},
    )


@login_required
@require_POST
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect(batch)
    if batch.size > settings.TONGXING_IMPORT_INLINE_BYTES:
        actions.ensure_may_import(request.user, batch)
        job = start_job(
            "imports.apply",
            user=request.user,
            params={"batch_id": batch.pk, "mode": form.cleaned_data["mode"]},
            label=_("Apply %(name)s") % {"name": batch.original_name},
            area=batch.area,
        )
        return redirect("jobs:detail", job_id=job.pk)
    try:
        batch = actions.apply_import(request.user, batch, form.cleaned_data["mode"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise
    except Exception:
        messages.error(request, _failed_message(batch))
    else:
        messages.success(request, _applied_message(batch))
    return redirect(batch)


def _failed_message(batch: ImportBatch) -> str:
    return _("The import failed and nothing was written. The reason is recorded.")


def _applied_message(batch: ImportBatch) -> str:
    return _("Applied: %(created)d persons registered, %(updated)d updated.") % {
        "created": batch.created_count,
        "updated": batch.updated_count,
    }


@login_required
def import_report(request: HttpRequest, pk: int) -> FileResponse:
    batch = _batch(request, pk)
    return FileResponse(
        report_xlsx(batch),
        as_attachment=True,
        filename=f"import-{batch.pk}-report.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
