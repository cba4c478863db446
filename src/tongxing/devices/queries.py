"""Scoped reads for devices: who sees which centre, loan item and case. Federation staff
see what lies in their area; a provider sees only the centres it is staff of and those
centres' own clients. Anything else is a 404, and the refusal is audited."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core.scoping import prefix_q
from tongxing.devices.access import is_provider, refuse_outside
from tongxing.devices.models import DeviceCase, Handover, LoanItem, LoanState
from tongxing.registry.queries import require
from tongxing.services.models import Facility, FacilityKind
from tongxing.services.scoping import facility_ids_for


def centres_for(user: User) -> QuerySet[Facility]:
    require_view(user)
    centres = Facility.objects.filter(kind=FacilityKind.DEVICE_CENTRE).select_related("area")
    if is_provider(user):
        return centres.filter(pk__in=facility_ids_for(user))
    # Village and township staff follow their persons' cases, not the centre's other clients.
    return centres.filter(prefix_q("area_id", user.area_id))


def require_view(user: User) -> None:
    require(user, Capability.VIEW_DEVICES)


def get_centre_for_user(user: User, pk: int) -> Facility:
    centre = centres_for(user).filter(pk=pk).first()
    if centre is None:
        found = Facility.objects.filter(pk=pk, kind=FacilityKind.DEVICE_CENTRE).first()
        refuse_outside(user, "services.facility", pk, found and (found.area_id or "5119"))
    return centre  # type: ignore[return-value]


def cases_for(user: User) -> QuerySet[DeviceCase]:
    require_view(user)
    cases = DeviceCase.objects.select_related("person", "item", "centre", "fitted_item")
    if is_provider(user):
        return cases.filter(centre_id__in=facility_ids_for(user))
    return cases.filter(prefix_q("person__area_id", user.area_id))


def get_case_for_user(user: User, pk: int) -> DeviceCase:
    case = cases_for(user).filter(pk=pk).first()
    if case is None:
        area = DeviceCase.objects.filter(pk=pk).values_list("person__area_id", flat=True).first()
        refuse_outside(user, "devices.devicecase", pk, area)
    return case  # type: ignore[return-value]


def get_loan_item_for_user(user: User, pk: int) -> LoanItem:
    item = (
        LoanItem.objects.select_related("centre", "item", "borrower")
        .filter(pk=pk, centre__in=centres_for(user))
        .first()
    )
    if item is None:
        area = LoanItem.objects.filter(pk=pk).values_list("centre__area_id", flat=True).first()
        area = area or ("5119" if LoanItem.objects.filter(pk=pk).exists() else None)
        refuse_outside(user, "devices.loanitem", pk, area)
    return item  # type: ignore[return-value]


def stock(centre: Facility) -> list[dict]:
    """Per catalogue item: how many are available, lent, in repair (recycled ones are out)."""
    rows = (
        LoanItem.objects.filter(centre=centre)
        .exclude(state=LoanState.RECYCLED)
        .values("item__code", "item__name")
        .annotate(
            available=Count("pk", filter=Q(state=LoanState.AVAILABLE)),
            lent=Count("pk", filter=Q(state=LoanState.LENT)),
            in_repair=Count("pk", filter=Q(state=LoanState.IN_REPAIR)),
        )
        .order_by("item__code")
    )
    return list(rows)


def handovers_at(centre: Facility) -> QuerySet[Handover]:
    return Handover.objects.filter(centre=centre).select_related("person", "item")
