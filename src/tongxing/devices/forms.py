from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.devices.models import CatalogueItem, Condition


class DateInput(forms.DateInput):
    input_type = "date"


class LendForm(forms.Form):
    id_number = forms.CharField(
        label=_("Borrower's ID number"),
        max_length=18,
        help_text=_("From the borrower's disability certificate."),
    )
    on = forms.DateField(label=_("Lent on"), widget=DateInput)
    due_on = forms.DateField(label=_("Due back"), widget=DateInput, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ConditionForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    condition = forms.ChoiceField(label=_("Condition"), choices=Condition.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class NoteForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AddItemsForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Catalogue item"), queryset=CatalogueItem.objects.filter(loanable=True)
    )
    tags = forms.CharField(
        label=_("Asset tags"), help_text=_("One or more, separated by spaces or commas.")
    )
    on = forms.DateField(label=_("Added on"), widget=DateInput)
