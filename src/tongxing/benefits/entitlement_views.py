"""What a person is entitled to, and why; a what-if; and the person's applications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tongxing.accounts.roles import Capability
from tongxing.benefits import actions, forms
from tongxing.benefits.engine import BenefitOutcome
from tongxing.benefits.models import BenefitClaim, ClaimStatus
from tongxing.benefits.payroll import explain_person
from tongxing.benefits.rules import BY_CODE
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.registry.forms import apply_errors
from tongxing.registry.queries import get_person_for_user

FACT_LABELS = {
    "alive": gettext_lazy("alive"),
    "resident": gettext_lazy("registered in the region"),
    "cert_status": gettext_lazy("certificate status"),
    "valid_until": gettext_lazy("certificate valid until"),
    "grade": gettext_lazy("grade"),
    "category": gettext_lazy("category"),
    "dibao": gettext_lazy("household receives 低保"),
    "tekun": gettext_lazy("under 特困 support"),
    "low_income": gettext_lazy("low-income household"),
    "work_injury_nursing_fen": gettext_lazy("work-injury nursing allowance"),
    "elderly_care_fen": gettext_lazy("elderly care subsidy"),
    "school_level": gettext_lazy("school"),
    "motor_wheelchair": gettext_lazy("holds a motorised wheelchair"),
    "resident_pension": gettext_lazy("enrolled in the resident pension"),
    "age": gettext_lazy("age"),
}


def _fact_text(name: str, value: Any) -> str:
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name.endswith("_fen"):
        return _("%(amount)s yuan per month") % {"amount": f"{value / 100:.2f}"}
    return str(value)


def _present(outcomes: list[BenefitOutcome]) -> list[BenefitOutcome]:
    """Attach display labels to the facts; the engine's values stay untouched."""
    for outcome in outcomes:
        for condition in outcome.conditions:
            condition.fact_rows = [
                (str(FACT_LABELS.get(name, name)), _fact_text(name, value))
                for name, value in condition.facts.items()
            ]
    return outcomes


def _outcomes(person_id: int, month: Any, overrides: dict[str, Any] | None = None) -> Any:
    return _present(explain_person(person_id, month, overrides))


@login_required
def entitlements(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.VIEW_ENTITLEMENTS)
    this_month = timezone.localdate().replace(day=1)
    month_form = forms.MonthForm(request.GET or None, initial={"month": this_month})
    month = month_form.cleaned_data["month"] if month_form.is_valid() else this_month
    what_if = forms.WhatIfForm(request.GET if "what_if" in request.GET else None)
    overrides = what_if.overrides() if what_if.is_valid() else {}
    audit.record(
        request.user,
        AuditAction.VIEW,
        object_type="registry.person",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
        summary=f"entitlements {month:%Y-%m}",
    )
    outcomes = _outcomes(person.pk, month)
    compared = None
    if overrides:
        changed = _outcomes(person.pk, month, overrides)
        compared = [
            (
                before,
                after,
                None
                if before.problem or after.problem
                else (after.amount if after.eligible else 0)
                - (before.amount if before.eligible else 0),
            )
            for before, after in zip(outcomes, changed, strict=True)
        ]
    claims = list(person.claims.select_related("decided_by").order_by("benefit", "-applied_on"))
    for claim in claims:
        claim.benefit_name = (
            BY_CODE[claim.benefit].name if claim.benefit in BY_CODE else claim.benefit
        )
    return render(
        request,
        "benefits/entitlements.html",
        {
            "person": person,
            "month": month,
            "month_form": month_form,
            "what_if": what_if,
            "outcomes": outcomes,
            "compared": compared,
            "claims": claims,
            "claim_form": forms.ClaimForm(initial={"applied_on": timezone.localdate()}),
            "can_apply": request.user.can(Capability.APPLY_FOR_BENEFIT),
            "can_decide": request.user.can(Capability.DECIDE_CLAIMS),
        },
    )


@login_required
@require_POST
def claim_new(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, Capability.APPLY_FOR_BENEFIT)
    form = forms.ClaimForm(request.POST)
    if form.is_valid():
        try:
            actions.apply_for_benefit(
                request.user, person, form.cleaned_data["benefit"], form.cleaned_data["applied_on"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("The application is recorded; a county officer decides it.")
            )
            return redirect("benefits:entitlements", pk=person.pk)
    return render(request, "benefits/claim_form.html", {"person": person, "form": form})


@login_required
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = get_object_or_404(BenefitClaim, pk=pk)
    # The person must be within the officer's area; outside answers 404 and is logged.
    person = get_person_for_user(request.user, claim.person_id, Capability.DECIDE_CLAIMS)
    form = forms.ClaimDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.decide_claim(
                request.user,
                claim,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("benefits:entitlements", pk=person.pk)
    claim.benefit_name = BY_CODE[claim.benefit].name if claim.benefit in BY_CODE else claim.benefit
    return render(
        request,
        "benefits/claim_decide.html",
        {
            "person": person,
            "claim": claim,
            "form": form,
            "pending": claim.status == ClaimStatus.PENDING,
        },
    )
