from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.devices.models import CatalogueItem, Condition
from tongxing.services.models import Facility


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


class OpenCaseForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Device"), queryset=CatalogueItem.objects.all())


class AssessmentForm(forms.Form):
    on = forms.DateField(label=_("Assessed on"), widget=DateInput)
    notes = forms.CharField(label=_("What the assessment found"), widget=forms.Textarea)
    remote_guidance = forms.BooleanField(
        label=_("A specialist guided the assessment remotely (photos in the application)"),
        required=False,
    )
    centre = forms.ModelChoiceField(
        label=_("Device centre that fits"), queryset=Facility.objects.none()
    )


class FittingForm(forms.Form):
    on = forms.DateField(label=_("Fitted on"), widget=DateInput)
    item = forms.ModelChoiceField(label=_("Device fitted"), queryset=CatalogueItem.objects.all())
    price = forms.DecimalField(
        label=_("Price (yuan)"), max_digits=10, decimal_places=2, min_value=0
    )
    notes = forms.CharField(label=_("Fitting notes"), widget=forms.Textarea, required=False)


class HandoverForm(forms.Form):
    on = forms.DateField(label=_("Handed over on"), widget=DateInput)


class FollowUpForm(forms.Form):
    on = forms.DateField(label=_("Followed up on"), widget=DateInput)
    notes = forms.CharField(label=_("What the follow-up found"), widget=forms.Textarea)
