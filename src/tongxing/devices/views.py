"""Staff and provider pages for assistive devices: the catalogue, a centre's loan pool and
settlements, a loan item's history, a device case's steps. Check, parse, call, respond."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxing.accounts.roles import Capability
from tongxing.devices import actions, forms, queries
from tongxing.devices.access import is_facility_staff, is_provider
from tongxing.devices.models import CaseStatus, CatalogueItem, Handover, LoanState
from tongxing.registry.forms import apply_errors
from tongxing.registry.models import Person


@login_required
def home(request: HttpRequest) -> HttpResponse:
    queries.require_view(request.user)
    return render(
        request,
        "devices/home.html",
        {
            "items": CatalogueItem.objects.all(),
            "centres": queries.centres_for(request.user),
            "cases": queries.cases_for(request.user)[:200],
        },
    )


def _today_initial() -> dict[str, Any]:
    return {"on": timezone.localdate()}


@login_required
def centre_detail(request: HttpRequest, pk: int) -> HttpResponse:
    centre = queries.get_centre_for_user(request.user, pk)
    can_manage = request.user.can(Capability.MANAGE_LOAN_POOL) and (
        is_facility_staff(request.user, centre) if is_provider(request.user) else True
    )
    form = forms.AddItemsForm(
        request.POST if request.method == "POST" else None, initial=_today_initial()
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            tags = [t for t in re.split(r"[\s,，]+", form.cleaned_data["tags"]) if t]
            try:
                actions.add_loan_items(
                    request.user,
                    centre,
                    form.cleaned_data["item"],
                    tags,
                    on=form.cleaned_data["on"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Items added to the loan pool."))
                return redirect("devices:centre", pk=centre.pk)
    handovers = queries.handovers_at(centre)
    totals = handovers.aggregate(subsidy=Sum("subsidy"), person_pays=Sum("person_pays"))
    return render(
        request,
        "devices/centre.html",
        {
            "centre": centre,
            "stock": queries.stock(centre),
            "loan_items": centre.loan_items.select_related("item", "borrower").exclude(
                state=LoanState.RECYCLED
            ),
            "cases": centre.device_cases.select_related("person", "item").exclude(
                status__in=[CaseStatus.FOLLOWED_UP]
            ),
            "handovers": handovers[:200],
            "totals": totals,
            "form": form,
            "can_manage": can_manage,
        },
    )


def _lend(request: HttpRequest, item: Any, data: dict) -> None:
    person = Person.objects.with_id_number(data["id_number"].strip().upper()).first()
    if person is None:
        raise ValidationError({"id_number": _("No registered person has this ID number.")})
    actions.lend_item(
        request.user, item, person, on=data["on"], due_on=data["due_on"], note=data["note"]
    )


LOAN_ACTIONS: dict[str, tuple[type[django_forms.Form], Callable[..., Any], str]] = {
    "lend": (forms.LendForm, _lend, gettext_lazy("Lend")),
    "return": (
        forms.ConditionForm,
        lambda r, i, d: actions.return_item(
            r.user, i, on=d["on"], condition=d["condition"], note=d["note"]
        ),
        gettext_lazy("Take back"),
    ),
    "repair": (
        forms.NoteForm,
        lambda r, i, d: actions.send_to_repair(r.user, i, on=d["on"], note=d["note"]),
        gettext_lazy("Send for repair"),
    ),
    "repaired": (
        forms.ConditionForm,
        lambda r, i, d: actions.return_from_repair(
            r.user, i, on=d["on"], condition=d["condition"], note=d["note"]
        ),
        gettext_lazy("Back from repair"),
    ),
    "recycle": (
        forms.NoteForm,
        lambda r, i, d: actions.recycle_item(r.user, i, on=d["on"], note=d["note"]),
        gettext_lazy("Recycle"),
    ),
}
ALLOWED_FROM = {
    LoanState.AVAILABLE: ("lend", "repair", "recycle"),
    LoanState.LENT: ("return",),
    LoanState.IN_REPAIR: ("repaired", "recycle"),
    LoanState.RECYCLED: (),
}


@login_required
def loan_item(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.get_loan_item_for_user(request.user, pk)
    can_manage = request.user.can(Capability.MANAGE_LOAN_POOL) and (
        is_facility_staff(request.user, item.centre) if is_provider(request.user) else True
    )
    posted = request.POST.get("action") if request.method == "POST" else None
    if posted is not None and (not can_manage or posted not in LOAN_ACTIONS):
        raise PermissionDenied
    panels = []
    for name in ALLOWED_FROM[item.state] if can_manage else ():
        form_class, _call, title = LOAN_ACTIONS[name]
        bound = posted == name
        form = form_class(request.POST if bound else None, initial=_today_initial(), prefix=name)
        if bound and form.is_valid():
            try:
                _call(request, item, form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("devices:loan_item", pk=item.pk)
        panels.append({"name": name, "title": title, "form": form})
    if posted is not None and posted not in ALLOWED_FROM[item.state]:
        messages.error(request, _("This item has changed meanwhile: nothing was done."))
    return render(
        request,
        "devices/loan_item.html",
        {"item": item, "events": item.events.select_related("person", "actor"), "panels": panels},
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A device case's data. Its steps are the application's, done on the engine's
    application page (one action per transition there; the handlers fill this case)."""
    case = queries.get_case_for_user(request.user, pk)
    handover = Handover.objects.filter(case=case).first()
    return render(request, "devices/case.html", {"case": case, "handover": handover})
