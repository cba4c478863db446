"""Staff pages for the policy parameters: check, parse, call, respond."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxing.accounts.roles import Capability
from tongxing.benefits import actions, forms
from tongxing.benefits.models import Parameter, ParameterValue, Unit, ValueStatus
from tongxing.benefits.parameters import read_value_text
from tongxing.core.models import AuditEvent
from tongxing.registry.forms import apply_errors
from tongxing.registry.queries import require


def display_value(unit: str, stored: Any) -> str:
    """A stored value as staff read it: "110.00", "1.6", "yes", "1, 2"; "ended" for null."""
    if stored is None:
        return _("ended (no value)")
    if unit == Unit.BOOLEAN:
        return _("yes") if stored else _("no")
    if unit == Unit.GRADE_LIST:
        return ", ".join(str(grade) for grade in stored)
    return str(stored)


def _current_values(day: dt.date) -> dict[int, ParameterValue]:
    """Each parameter's approved value in force on ``day`` (the latest dated on or before)."""
    current: dict[int, ParameterValue] = {}
    for row in ParameterValue.objects.filter(
        status=ValueStatus.APPROVED, effective_from__lte=day
    ).order_by("parameter_id", "effective_from"):
        current[row.parameter_id] = row
    return current


@login_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_PARAMETERS)
    today = timezone.localdate()
    current = _current_values(today)
    pending = set(
        ParameterValue.objects.filter(status=ValueStatus.PROPOSED).values_list(
            "parameter_id", flat=True
        )
    )
    rows = []
    for parameter in Parameter.objects.all():
        value = current.get(parameter.pk)
        rows.append(
            {
                "parameter": parameter,
                "value": value,
                "shown": display_value(parameter.unit, value.value) if value else None,
                "pending": parameter.pk in pending,
            }
        )
    return render(request, "benefits/parameter_list.html", {"rows": rows, "today": today})


@login_required
def parameter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_PARAMETERS)
    parameter = get_object_or_404(Parameter, pk=pk)
    values = list(
        parameter.values.select_related("proposed_by", "decided_by").order_by(
            "effective_from", "id"
        )
    )
    current = _current_values(timezone.localdate()).get(parameter.pk)
    for value in values:
        value.shown = display_value(parameter.unit, value.value)
        value.in_force = current is not None and value.pk == current.pk
    history = AuditEvent.objects.filter(
        Q(object_type=actions.OBJECT_TYPE, object_id__in=[str(v.pk) for v in values])
        | Q(object_type="benefits.parameter", object_id=str(parameter.pk))
    ).select_related("actor")[:100]
    return render(
        request,
        "benefits/parameter_detail.html",
        {
            "parameter": parameter,
            "values": values,
            "history": history,
            "can_manage": request.user.can(Capability.MANAGE_PARAMETERS),
        },
    )


@login_required
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.MANAGE_PARAMETERS)
    parameter = get_object_or_404(Parameter, pk=pk)
    form = forms.ProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.propose_value(
                request.user,
                parameter,
                data["effective_from"],
                read_value_text(parameter.unit, data["value"]),
                data["source"],
                data["verified"],
                data["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The value is proposed; a second officer must approve it."))
            return redirect("benefits:parameter_detail", pk=parameter.pk)
    return render(request, "benefits/propose.html", {"form": form, "parameter": parameter})


def _decision(request: HttpRequest, pk: int, form_class, title: str, button: str, act, done: str):
    require(request.user, Capability.MANAGE_PARAMETERS)
    value = get_object_or_404(ParameterValue.objects.select_related("parameter"), pk=pk)
    # Approving posts no fields, so an empty POST must still bind the form.
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            act(value, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("benefits:parameter_detail", pk=value.parameter_id)
    value.shown = display_value(value.parameter.unit, value.value)
    return render(
        request,
        "benefits/value_decision.html",
        {
            "form": form,
            "value": value,
            "parameter": value.parameter,
            "title": title,
            "button": button,
        },
    )


@login_required
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        forms.DecisionForm,
        _("Approve this value"),
        _("Approve"),
        lambda value, data: actions.approve_value(request.user, value),
        _("The value is approved and in force from its date."),
    )


@login_required
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        forms.RejectForm,
        _("Reject this value"),
        _("Reject"),
        lambda value, data: actions.reject_value(request.user, value, data["reason"]),
        _("The value is rejected."),
    )


@login_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        forms.ConfirmForm,
        _("Confirm this value as verified"),
        _("Confirm"),
        lambda value, data: actions.confirm_verified(request.user, value, data["source"]),
        _("The value is marked as verified."),
    )
