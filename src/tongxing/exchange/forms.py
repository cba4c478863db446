from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.exchange.models import ApplyMode


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File to import"),
        help_text=_("The filled-in template: .xlsx, or .csv in UTF-8 or GBK."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class ApplyForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What to apply"),
        choices=ApplyMode.choices,
        initial=ApplyMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
