"""The page where a city officer creates and revokes department API tokens, and the call
log that auditors and city officers read and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongxing.accounts.roles import Capability
from tongxing.api import actions, queries
from tongxing.api.endpoints import api
from tongxing.api.forms import CallFilterForm, RevokeForm, TokenForm
from tongxing.api.models import ApiToken
from tongxing.api.purposes import PURPOSES
from tongxing.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_chunks, xlsx_file
from tongxing.core.pagination import CappedPaginator
from tongxing.core.scoping import prefix_q
from tongxing.registry.forms import apply_errors


def _tokens(request: HttpRequest):
    actions.ensure_may_manage(request.user)
    return ApiToken.objects.filter(prefix_q("area_id", request.user.area_id)).select_related(
        "account", "area"
    )


@never_cache  # the page that shows a new token once must not be kept by any cache
@login_required
def token_index(request: HttpRequest) -> HttpResponse:
    tokens = _tokens(request).annotate(last_call=Max("calls__at"))
    form = TokenForm(request.POST or None, actor=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, raw = actions.create_token(
                request.user,
                name=data["name"],
                account=data["account"],
                purpose=data["purpose"],
                area_code=data["area"],
                expires_on=data["expires_on"],
                rate_per_minute=data["rate_per_minute"],
                today=timezone.localdate(),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            created = {"token": token, "raw": raw}
            form = TokenForm(actor=request.user)
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": tokens[:200],
            "now": timezone.now(),
            "docs_url": reverse(f"{api.urls_namespace}:openapi-view"),
        },
    )


@login_required
def token_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = _tokens(request).get(pk=pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.revoke_token(request.user, token, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The token is revoked; it no longer works."))
            return redirect("api_clients:detail", pk=token.pk)
    return render(
        request,
        "api/token.html",
        {
            "token": token,
            "form": form,
            "usable": token.usable_at(timezone.now()),
            "events": token.events.select_related("actor"),
            "calls": token.calls.all()[:50],
            "summary": queries.call_summary(token),
            "may_read_log": request.user.can(Capability.VIEW_API_CALLS),
        },
    )


def _filtered_calls(request: HttpRequest):
    """The reader's calls as the filter form narrows them; none while the form has errors
    (an unknown or out-of-area token is an error, never "all")."""
    calls = queries.calls_for(request.user)
    form = CallFilterForm(request.GET or None, actor=request.user)
    if not form.is_bound:
        return form, {}, calls
    if not form.is_valid():
        return form, {}, calls.none()
    return form, form.cleaned_data, queries.filter_calls(calls, form.cleaned_data)


@login_required
def call_log(request: HttpRequest) -> HttpResponse:
    form, criteria, calls = _filtered_calls(request)
    page = CappedPaginator(calls.select_related("token", "token__account"), 50).get_page(
        request.GET.get("page")
    )
    queries.log_calls_read(
        request.user,
        criteria,
        summary=f"API call log read: page {page.number}, {len(page.object_list)} calls",
        page=page.number,
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "api/calls.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _call_rows(calls):
    for call in calls.select_related("token", "token__account").iterator(chunk_size=2000):
        token = call.token
        spec = PURPOSES.get(call.purpose)
        yield (
            timezone.localtime(call.at).replace(microsecond=0),
            token.name if token else _("unknown token"),
            # Only the token's first characters, as on every page: never the token itself.
            f"{token.prefix}…" if token else "",
            token.account.username if token else "",
            token.account.get_department_display() if token else "",
            str(spec.label) if spec else call.purpose,
            call.endpoint,
            call.method,
            call.status,
            call.outcome,
            call.duration_ms,
        )


@login_required
def call_export(request: HttpRequest) -> HttpResponse:
    """The call log, as filtered on its page, as .xlsx or .csv."""
    form, criteria, calls = _filtered_calls(request)
    file_format = request.GET.get("format")
    if file_format not in ("xlsx", "csv"):
        raise Http404
    if form.errors:
        return redirect(f"{reverse('api_clients:calls')}?{request.GET.urlencode()}")
    count = calls.count()
    queries.log_calls_read(
        request.user,
        criteria,
        summary=f"API call log {file_format}: {count} calls",
        export=file_format,
        rows=count,
    )
    header = [
        _("Time"),
        _("Client"),
        _("Token begins"),
        _("Department account"),
        _("Department"),
        _("Purpose"),
        _("Endpoint"),
        _("Method"),
        _("Answer"),
        _("Outcome"),
        _("Duration (ms)"),
    ]
    rows = _call_rows(calls)
    stamp = timezone.localdate().isoformat()
    if file_format == "csv":
        response = StreamingHttpResponse(csv_chunks(header, rows), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="api-calls-{stamp}.csv"'
        return response
    return FileResponse(
        xlsx_file(header, rows, sheet=_("API calls")),
        as_attachment=True,
        filename=f"api-calls-{stamp}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
