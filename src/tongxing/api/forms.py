from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.api.purposes import PURPOSE_CHOICES
from tongxing.core.scoping import prefix_q


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Client"),
        max_length=100,
        help_text=_("Who uses the token and in which system, e.g. 巴中公交 gate readers."),
    )
    account = forms.ModelChoiceField(
        label=_("Department account"), queryset=User.objects.none(), empty_label="—"
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "—"), *PURPOSE_CHOICES])
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
