from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tongxing.accounts.roles import Capability
from tongxing.core.forms import AuditFilterForm
from tongxing.core.models import AuditEvent
from tongxing.core.scoping import prefix_q


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit trail, for auditors, limited to their area like everyone else's view."""
    user = request.user
    if not user.can(Capability.VIEW_AUDIT) or not user.area_id:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.filter(prefix_q("area_code", user.area_id)).select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["user"]:
            events = events.filter(actor__username=data["user"])
        if data["person"]:
            events = events.filter(person_id=data["person"])
        if data["date_from"]:
            events = events.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            events = events.filter(at__lt=_start_of(data["date_to"] + dt.timedelta(days=1)))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "core/audit_log.html", {"form": form, "page": page, "query": query.urlencode()}
    )


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
