"""Forms of the benefits pages: parameters, entitlements, claims and the payroll."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.benefits.rules import BENEFITS, CODES
from tongxing.registry.forms import DATE_WIDGET
from tongxing.registry.models import Category, Grade, SchoolLevel


class ProposeForm(forms.Form):
    effective_from = forms.DateField(label=_("In force from"), widget=DATE_WIDGET)
    value = forms.CharField(
        label=_("Value"),
        max_length=200,
        help_text=_(
            "In the parameter's unit: an amount such as 110 or 110.50, a rate such as 1.6, "
            "true or false, or grades such as 1, 2."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    source = forms.CharField(
        label=_("Source document"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    verified = forms.BooleanField(
        label=_("Checked against the official text"),
        required=False,
    )
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    """Approving needs no input: the button is the decision."""


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConfirmForm(forms.Form):
    source = forms.CharField(
        label=_("Official source checked"),
        max_length=1000,
        help_text=_("The document, article and date where the value was checked."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MonthField(forms.DateField):
    """A month as ``YYYY-MM`` (the browser's month picker), cleaned to its first day."""

    input_formats = ["%Y-%m"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"))


YES_NO = [("", _("as recorded")), ("yes", _("yes")), ("no", _("no"))]


def _yes_no(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        required=False,
        coerce=lambda v: v == "yes",
        empty_value=None,
    )


class WhatIfForm(forms.Form):
    """Facts to change for a what-if; a blank field keeps the recorded fact."""

    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=[("", _("as recorded")), *Grade.choices],
        required=False,
        coerce=int,
        empty_value=None,
    )
    category = forms.TypedChoiceField(
        label=_("Category"),
        choices=[("", _("as recorded")), *Category.choices],
        required=False,
        coerce=int,
        empty_value=None,
    )
    dibao = _yes_no(_("Household receives 低保"))
    tekun = _yes_no(_("Under 特困 extreme poverty support"))
    low_income = _yes_no(_("Low-income household (低保边缘)"))
    elderly_care = forms.DecimalField(
        label=_("Elderly care subsidy received (yuan per month)"),
        required=False,
        min_value=0,
        decimal_places=2,
    )
    work_injury_nursing = forms.DecimalField(
        label=_("Work-injury nursing allowance received (yuan per month)"),
        required=False,
        min_value=0,
        decimal_places=2,
    )
    resident_pension = _yes_no(_("Enrolled in the resident pension insurance"))
    motor_wheelchair = _yes_no(_("Holds a licensed motorised wheelchair"))
    school_level = forms.ChoiceField(
        label=_("School"),
        choices=[("", _("as recorded")), ("none", _("not in school")), *SchoolLevel.choices],
        required=False,
    )
    claims = _yes_no(_("Has an approved application for every benefit"))

    def overrides(self) -> dict[str, Any]:
        """The cleaned changes as engine facts (money in fen)."""
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        for name in ("grade", "category", "dibao", "tekun", "low_income"):
            if data.get(name) is not None:
                changes[name] = data[name]
        for name in ("resident_pension", "motor_wheelchair"):
            if data.get(name) is not None:
                changes[name] = data[name]
        for name, fact in (
            ("elderly_care", "elderly_care_fen"),
            ("work_injury_nursing", "work_injury_nursing_fen"),
        ):
            if data.get(name) is not None:
                changes[fact] = int(data[name] * 100)
        if data.get("school_level"):
            changes["school_level"] = (
                None if data["school_level"] == "none" else data["school_level"]
            )
        if data.get("claims") is not None:
            changes.update({f"claim_{code}": data["claims"] for code in CODES})
        return changes


class ClaimForm(forms.Form):
    benefit = forms.ChoiceField(label=_("Benefit"), choices=())
    applied_on = forms.DateField(label=_("Applied on"), widget=DATE_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["benefit"].choices = [(b.code, b.name) for b in BENEFITS]


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to refuse)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PrepareForm(forms.Form):
    month = MonthField(label=_("Month to pay"))


class CityApprovalForm(forms.Form):
    acknowledgement = forms.CharField(
        label=_("Basis for paying on unverified standards"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required when the payroll uses standards nobody has checked against the "
            "official text, e.g. the document number you checked them against."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("What must be corrected"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DownloadForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the download"),
        max_length=200,
        help_text=_("The file holds full ID and account numbers; your purpose is recorded."),
    )
