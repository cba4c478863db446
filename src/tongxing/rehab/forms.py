from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (the browser's month input), kept as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]


class ServiceForm(forms.Form):
    placement = forms.ChoiceField(label=_("Child"))
    month = MonthField(label=_("Month"))
    sessions = forms.IntegerField(label=_("Sessions"), min_value=0, max_value=200)
    amount = forms.DecimalField(
        label=_("Amount claimed (yuan)"), max_digits=10, decimal_places=2, min_value=0
    )


class SettleForm(forms.Form):
    month = MonthField(label=_("Month to settle"))
