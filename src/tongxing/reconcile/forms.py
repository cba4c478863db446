from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.reconcile.kinds import KIND_CHOICES
from tongxing.reconcile.models import FindingStatus, Rule


class ListUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of list"), choices=[("", "—"), *KIND_CHOICES])
    list_date = forms.DateField(
        label=_("Data as of"),
        help_text=_("The day the department's data describes, as 2024-03-01."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("The department's list: .xlsx, or .csv in UTF-8 or GBK."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class WorklistFilterForm(forms.Form):
    rule = forms.ChoiceField(
        label=_("Finding"), choices=[("", _("All findings")), *Rule.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *FindingStatus.choices],
        required=False,
        initial=FindingStatus.OPEN,
    )


class CloseFindingForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (FindingStatus.RESOLVED, FindingStatus.RESOLVED.label),
            (FindingStatus.DISMISSED, FindingStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("What was done, or why it does not apply"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )
