from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.monitoring.models import CaseStatus, CircumstanceKind, MeasureKind, RiskLevel
from tongxing.monitoring.rules import RULES

MONTH_HELP = _("As 2025-12.")


class MonthField(forms.CharField):
    """A month typed as YYYY-MM, read as its first day."""

    def to_python(self, value: str) -> dt.date | None:
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        try:
            return dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            raise forms.ValidationError(_("Give the month as 2025-12.")) from None


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *CaseStatus.choices], required=False
    )
    level = forms.ChoiceField(
        label=_("Risk level"), choices=[("", _("Any level")), *RiskLevel.choices], required=False
    )
    rule = forms.ChoiceField(
        label=_("Risk"),
        choices=[("", _("Any risk")), *((r.code, r.label) for r in RULES)],
        required=False,
    )
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("The whole area")), *areas]


class RunScreeningForm(forms.Form):
    month = MonthField(
        label=_("Month to screen"),
        help_text=MONTH_HELP,
        widget=forms.TextInput(attrs={"maxlength": 7, "inputmode": "numeric"}),
    )


class MeasureForm(forms.Form):
    prefix = "measure"
    kind = forms.ChoiceField(label=_("Kind of help"), choices=[("", "—"), *MeasureKind.choices])
    started_on = forms.DateField(
        label=_("From"),
        help_text=_("As 2025-12-15."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    detail = forms.CharField(
        label=_("What was done"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseCaseForm(forms.Form):
    prefix = "close"
    reason = forms.CharField(
        label=_("Why the risk is cleared"),
        help_text=_("For example: income now above the range after a job; 低保 granted again."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CircumstanceForm(forms.Form):
    prefix = "hardship"
    kind = forms.ChoiceField(label=_("Hardship"), choices=[("", "—"), *CircumstanceKind.choices])
    occurred_on = forms.DateField(
        label=_("Date"),
        help_text=_("As 2025-12-15."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        help_text=_("Required for medical expenses: what the household paid itself."),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
