"""Who may act at a facility (a device centre or a rehabilitation institution).

Staff of the federation act inside their area, as everywhere else. A provider account
(Role.PROVIDER) acts only at the facilities it is a member of (``services.FacilityMember``),
whatever its area: a device
centre's fitter sees the centre's own clients and nobody else.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role
from tongxing.areas.models import CODE_LENGTH, AreaLevel
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.registry.actions import ensure_allowed
from tongxing.services.models import Facility
from tongxing.services.scoping import facility_ids_for

CITY_CODE = "5119"


def is_provider(user: User) -> bool:
    return getattr(user, "role", "") == Role.PROVIDER


def is_facility_staff(user: User, facility: Facility) -> bool:
    return facility.pk in facility_ids_for(user)


def settling_area_code(facility: Facility) -> str:
    """The area that answers for a facility: its county, or the city federation for one
    outside the region (designations and cross-region settlement are the city's)."""
    if facility.area_id is None:
        return CITY_CODE
    return facility.area_id[: CODE_LENGTH[AreaLevel.COUNTY]]


def ensure_at_facility(
    actor: User,
    capability: Capability,
    facility: Facility,
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


def refuse_outside(user: User, object_type: str, pk: int, area_code: str | None) -> None:
    """404 for a record the user may not see; the attempt is audited when it exists."""
    if area_code is not None:
        audit.record(
            user,
            AuditAction.REFUSED,
            object_type=object_type,
            object_id=pk,
            area_code=area_code,
            summary="outside the user's area or facility",
        )
    raise Http404
