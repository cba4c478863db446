from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxing.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from tongxing.reconcile.kinds import Department

# A partner-department account belongs to one of the departments that send lists, or to a
# body outside government (a bus company, a hospital) that may only check certificates.
# Which purposes each may hold is declared with the purposes (api/purposes.py).
OUTSIDE_BODY = "outside_body"
ACCOUNT_DEPARTMENT_CHOICES = [
    *Department.choices,
    (OUTSIDE_BODY, _("A body outside government (e.g. a bus company or a hospital)")),
]


class User(AbstractUser):
    """A person who signs in. Staff are bound to exactly one area and see only inside it."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    department = models.CharField(
        _("department"),
        max_length=20,
        choices=ACCOUNT_DEPARTMENT_CHOICES,
        blank=True,
        help_text=_("For partner-department accounts: whose account it is."),
    )
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    large_text = models.BooleanField(_("large text"), default=False)
    high_contrast = models.BooleanField(_("high contrast"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="")
                | models.Q(role="citizen")
                | models.Q(area__isnull=False),
                name="staff_user_has_area",
                violation_error_message=_("Every staff user is bound to one area."),
            ),
            # Not the converse: an account made before departments were recorded stays
            # valid, and simply gets no token (api.actions) until its department is set.
            models.CheckConstraint(
                condition=models.Q(department="") | models.Q(role="department"),
                name="only_department_accounts_have_a_department",
                violation_error_message=_("Only partner-department accounts have a department."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def can(self, capability: Capability) -> bool:
        if not self.is_active:
            return False
        return capability in ROLE_CAPABILITIES.get(self.role, frozenset())

    @property
    def area_code(self) -> str | None:
        return self.area_id
