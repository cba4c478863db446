from __future__ import annotations

from django import forms
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.api import queries
from tongxing.api.models import ApiToken, Endpoint
from tongxing.api.purposes import PURPOSE_CHOICES, PURPOSES, Purpose
from tongxing.core.scoping import prefix_q

REVEALS = _("reveals names and full ID numbers")


def purpose_label(purpose: Purpose) -> Promise | str:
    """The purpose's name, with a plain warning when its findings name persons."""
    if not purpose.identifies_persons:
        return purpose.label
    return format_lazy("{} — {}", purpose.label, REVEALS)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Client"),
        max_length=100,
        help_text=_("Who uses the token and in which system, e.g. 巴中公交 gate readers."),
    )
    account = forms.ModelChoiceField(
        label=_("Department account"), queryset=User.objects.none(), empty_label="—"
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=[("", "—"), *[(p.key, purpose_label(p)) for p in PURPOSES.values()]],
        help_text=_(
            "A purpose marked “reveals names and full ID numbers” is for findings the "
            "department must act on itself: the token receives each person's name and full "
            "ID number, and every person shown is recorded in the audit trail."
        ),
    )
    area = forms.CharField(
        label=_("Area code"),
        max_length=12,
        help_text=_("The token reaches only this area and the areas inside it."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"), help_text=_("The last day the token works, as 2026-12-31.")
    )
    rate_per_minute = forms.IntegerField(
        label=_("Calls per minute"), initial=60, min_value=1, max_value=600
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = User.objects.filter(
            prefix_q("area_id", actor.area_id), role=Role.DEPARTMENT, is_active=True
        ).order_by("username")
        # The department decides which purposes the account may hold, so the officer sees it.
        self.fields["account"].label_from_instance = _account_label
        self.fields["area"].initial = actor.area_id


def _account_label(account: User) -> str:
    department = account.get_department_display() or _("department not recorded")
    return f"{account} ({department})"


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the token revoked?"),
        max_length=200,
        help_text=_("For example: the contract ended, or the token may have leaked."),
    )


class CallFilterForm(forms.Form):
    """The call log's filters; the token and account choices are only those in the
    reader's area, so another area's token cannot even be named."""

    token = forms.ModelChoiceField(
        label=_("Token"), queryset=ApiToken.objects.none(), required=False, empty_label=_("All")
    )
    account = forms.ModelChoiceField(
        label=_("Department account"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All"),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=[("", _("All")), *PURPOSE_CHOICES], required=False
    )
    endpoint = forms.ChoiceField(
        label=_("Endpoint"), choices=[("", _("All")), *Endpoint.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Answer"),
        choices=[
            ("", _("All")),
            ("2xx", _("Answered (2xx)")),
            ("4xx", _("Refused (4xx)")),
            ("5xx", _("Failed (5xx)")),
        ],
        required=False,
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].queryset = queries.call_tokens_for(actor).order_by("name", "pk")
        self.fields["account"].queryset = queries.call_accounts_for(actor)
        self.fields["account"].label_from_instance = _account_label

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The last day comes before the first."))
        return data
