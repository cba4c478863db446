from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.devices.forms import DateInput
from tongxing.services.models import Facility, FacilityKind


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (the browser's month input), kept as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]


class ScreeningForm(forms.Form):
    on = forms.DateField(label=_("Screened on"), widget=DateInput)
    result = forms.CharField(label=_("What the screening found"), widget=forms.Textarea)


class DiagnosisForm(forms.Form):
    on = forms.DateField(label=_("Diagnosed on"), widget=DateInput)
    diagnosis = forms.CharField(label=_("Diagnosis"), widget=forms.Textarea)
    diagnosed_by = forms.CharField(label=_("Diagnosed by"), max_length=100)


class ApplicationForm(forms.Form):
    on = forms.DateField(label=_("Applied on"), widget=DateInput)


class PlacementForm(forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Designated institution"),
        queryset=Facility.objects.filter(kind=FacilityKind.REHAB_INSTITUTION, designated=True),
    )
    start = forms.DateField(label=_("From"), widget=DateInput)


class ServiceForm(forms.Form):
    placement = forms.ChoiceField(label=_("Child"))
    month = MonthField(label=_("Month"))
    sessions = forms.IntegerField(label=_("Sessions"), min_value=0, max_value=200)
    amount = forms.DecimalField(
        label=_("Amount claimed (yuan)"), max_digits=10, decimal_places=2, min_value=0
    )


class SettleForm(forms.Form):
    month = MonthField(label=_("Month to settle"))
