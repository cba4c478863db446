from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.areas.models import Area, AreaLevel
from tongxing.indicators.actions import REPORTABLE_YEARS
from tongxing.indicators.computations import COMPUTATIONS
from tongxing.indicators.evaluation import PLAN_YEARS
from tongxing.indicators.models import Indicator, Method, ReportKind
from tongxing.indicators.reports import section_labels

YEAR_CHOICES = [(y, str(y)) for y in PLAN_YEARS]


def _areas_for(user: Any) -> Any:
    """The city and counties within the user's area: where values and reports belong."""
    return Area.objects.filter(
        code__startswith=user.area_id, level__in=(AreaLevel.CITY, AreaLevel.COUNTY)
    ).order_by("code")


class ComputeForm(forms.Form):
    years = forms.TypedMultipleChoiceField(
        label=_("Years to compute"),
        choices=YEAR_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )


class ReportedValueForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=Indicator.objects.none())
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    year = forms.TypedChoiceField(
        label=_("Year"), choices=[(y, str(y)) for y in REPORTABLE_YEARS], coerce=int
    )
    value = forms.DecimalField(
        label=_("Value"),
        max_digits=16,
        decimal_places=2,
        help_text=_("In the indicator's unit: a percentage as 0–100, counts as whole numbers."),
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,  # the action refuses without it, with its own reason
        help_text=_(
            "The document the value comes from: a report, a notice or a table (at most 10 MB)."
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = Indicator.objects.exclude(
            method=Method.COMPUTED
        ).exclude(code__in=list(COMPUTATIONS))
        self.fields["area"].queryset = _areas_for(user)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=500, required=False)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of report"), choices=ReportKind.choices)
    year = forms.TypedChoiceField(label=_("Year"), choices=YEAR_CHOICES, coerce=int)
    area = forms.ModelChoiceField(label=_("For"), queryset=Area.objects.none())

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas_for(user)


class NarrativeForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in section_labels():
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
