"""Citizens sign in with their mobile number and password; staff keep their usernames.

The number arrives in the sign-in form's username field, so axes (the first backend)
counts failures and locks against the number typed exactly as it does for a username.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from tongxing.accounts.models import User
from tongxing.accounts.roles import Role
from tongxing.core.fields import index_values
from tongxing.portal.models import CITIZEN_PHONE, CitizenPhone

_SEPARATORS = str.maketrans("", "", " -()")


def normalise_phone(value: str | None) -> str:
    """A mainland mobile number as 11 digits, or "" if ``value`` is not one."""
    digits = (value or "").strip().translate(_SEPARATORS)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 11 and digits.isdigit() and digits[0] == "1":
        return digits
    return ""


class CitizenPhoneBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        phone = normalise_phone(username)
        if not phone or password is None:
            return None
        entry = (
            CitizenPhone.objects.filter(phone_index__in=index_values(phone, CITIZEN_PHONE))
            .select_related("user")
            .first()
        )
        if entry is None or entry.user.role != Role.CITIZEN:
            # Hash anyway, so the time taken does not tell which numbers have accounts.
            User().set_password(password)
            return None
        user = entry.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
