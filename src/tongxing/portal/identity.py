"""The seam for real-name verification (实名认证), which is outside this project's scope.

When staff link a citizen account to a person, the configured identity check is asked
whether the account holder is who they claim to be. A deployment plugs in a class that
calls its real-name service (e.g. the province's government-service identity platform)
and names it in ``settings.TONGXING_IDENTITY_CHECK``. The demo check contacts nothing:
it records that the staff member's own check at the counter is the only evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from tongxing.accounts.models import User
from tongxing.registry.models import Person


@dataclass(frozen=True)
class IdentityResult:
    confirmed: bool
    method: str  # stored on the link: which check confirmed it
    note: str = ""  # why not, or a reference the real service returned


class IdentityCheck(Protocol):
    def confirm(self, account: User, person: Person, acting_as: str) -> IdentityResult:
        """Whether ``account``'s holder is the person, or the guardian they say they are."""
        ...


class DemoIdentityCheck:
    """No real-name service: the staff member's check in person is recorded as the evidence."""

    method = "demo-staff-check"

    def confirm(self, account: User, person: Person, acting_as: str) -> IdentityResult:
        return IdentityResult(
            confirmed=True,
            method=self.method,
            note="no real-name service configured; checked in person by staff",
        )


def identity_check() -> IdentityCheck:
    return import_string(settings.TONGXING_IDENTITY_CHECK)()
