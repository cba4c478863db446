"""Who may act at a facility (a device centre or a rehabilitation institution).

Staff of the federation act inside their area, as everywhere else. A provider account
(Role.PROVIDER) acts only at the facilities it is staff of, whatever its area: a device
centre's fitter sees the centre's own clients and nobody else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role
from tongxing.registry.actions import ensure_allowed


def is_provider(user: User) -> bool:
    return getattr(user, "role", "") == Role.PROVIDER


def is_facility_staff(user: User, facility: Model) -> bool:
    return facility.staff.filter(pk=user.pk).exists()  # type: ignore[attr-defined]


def ensure_at_facility(
    actor: User,
    capability: Capability,
    facility: Model,
    area_code: str,
    message: str | None = None,
) -> None:
    """Refuse unless ``actor`` holds ``capability`` and either is staff of ``facility``
    (providers) or has ``area_code`` inside their area (federation staff)."""
    if is_provider(actor):
        if not (actor.is_active and actor.can(capability) and is_facility_staff(actor, facility)):
            raise PermissionDenied(message or _("You may act only for your own facility."))
        return
    ensure_allowed(actor, capability, area_code, message)
