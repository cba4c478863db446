"""Scoped reads for child rehabilitation. The institution directory is open to anyone
with the capability; children are not: staff see the children of their area, an
institution's staff the children placed there, and settlements are seen by the area that
settles them and by the institution itself. Anything else is a 404, audited."""

from __future__ import annotations

from django.db.models import QuerySet

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core.scoping import prefix_q
from tongxing.devices.access import is_provider, refuse_outside, settling_area_code
from tongxing.registry.queries import require
from tongxing.rehab.models import Placement, RehabCase, Settlement
from tongxing.services.models import Facility, FacilityKind
from tongxing.services.scoping import facility_ids_for


def institutions_for(user: User) -> QuerySet[Facility]:
    require(user, Capability.VIEW_REHAB)
    institutions = Facility.objects.filter(kind=FacilityKind.REHAB_INSTITUTION).select_related(
        "area"
    )
    if is_provider(user):
        return institutions.filter(pk__in=facility_ids_for(user))
    return institutions


def get_institution_for_user(user: User, pk: int) -> Facility:
    institution = institutions_for(user).filter(pk=pk).first()
    if institution is None:
        found = Facility.objects.filter(pk=pk, kind=FacilityKind.REHAB_INSTITUTION).first()
        refuse_outside(user, "services.facility", pk, found and settling_area_code(found))
    return institution  # type: ignore[return-value]


def placements_for(user: User, institution: Facility) -> QuerySet[Placement]:
    """The children placed at ``institution`` that ``user`` may see."""
    placements = institution.placements.select_related("child", "case")
    if is_provider(user):
        return placements
    return placements.filter(prefix_q("child__area_id", user.area_id))


def cases_for(user: User) -> QuerySet[RehabCase]:
    require(user, Capability.VIEW_REHAB)
    cases = RehabCase.objects.select_related("child")
    if is_provider(user):
        return cases.filter(placements__institution_id__in=facility_ids_for(user)).distinct()
    return cases.filter(prefix_q("child__area_id", user.area_id))


def get_case_for_user(user: User, pk: int) -> RehabCase:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        area = RehabCase.objects.filter(pk=pk).values_list("child__area_id", flat=True).first()
        refuse_outside(user, "rehab.rehabcase", pk, area)
    return case  # type: ignore[return-value]


def settlements_for(user: User) -> QuerySet[Settlement]:
    require(user, Capability.VIEW_REHAB)
    settlements = Settlement.objects.select_related("institution", "settled_by", "settling_area")
    if is_provider(user):
        return settlements.filter(institution_id__in=facility_ids_for(user))
    return settlements.filter(prefix_q("settling_area_id", user.area_id))


def get_settlement_for_user(user: User, pk: int) -> Settlement:
    settlement = settlements_for(user).filter(pk=pk).first()
    if settlement is None:
        area = Settlement.objects.filter(pk=pk).values_list("settling_area_id", flat=True).first()
        refuse_outside(user, "rehab.settlement", pk, area)
    return settlement  # type: ignore[return-value]
