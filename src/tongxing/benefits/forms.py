"""Forms for proposing and deciding on policy parameter values."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.registry.forms import DATE_WIDGET


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
