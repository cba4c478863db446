"""The page where a city officer creates and revokes department API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tongxing.api import actions
from tongxing.api.endpoints import api
from tongxing.api.forms import RevokeForm, TokenForm
from tongxing.api.models import ApiToken
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
        },
    )
