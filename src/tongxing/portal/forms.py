"""The staff form that links a citizen account to a person."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.portal.models import ActingAs


class LinkForm(forms.Form):
    account = forms.CharField(
        label=_("Citizen account (username)"),
        max_length=150,
        help_text=_("The account the person or guardian signs in with."),
    )
    acting_as = forms.ChoiceField(
        label=_("The account holder is"), choices=ActingAs.choices, widget=forms.RadioSelect
    )
    relation = forms.CharField(
        label=_("Relation to the person (for a guardian)"),
        max_length=20,
        required=False,
        help_text=_("For example 母亲 (mother). Leave empty when the holder is the person."),
    )
    phone = forms.CharField(
        label=_("Mobile number to sign in with (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    checked = forms.BooleanField(
        label=_(
            "I have seen the holder's ID card and, for a guardian, the proof of guardianship "
            "(household register, birth certificate or court decision)."
        )
    )

    def clean_account(self) -> User:
        username = self.cleaned_data["account"].strip()
        user = User.objects.filter(username=username, role=Role.CITIZEN, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no active citizen account with this username."))
        return user
