"""Scoped reads for the portal: a citizen reaches only the persons they are linked to.

Anyone else asking for a person through the portal (another citizen, or staff, whose
own pages are elsewhere) gets a 404, and the attempt is written to the audit log.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.portal.models import ActingAs, CitizenLink
from tongxing.registry.models import Person
from tongxing.services.models import Application

SELF_FIRST = Case(
    When(acting_as=ActingAs.SELF, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def is_citizen(user: User) -> bool:
    return user.is_authenticated and user.can(Capability.USE_PORTAL)


def links_for_citizen(user: User) -> QuerySet[CitizenLink]:
    """The open links of ``user``: themselves first, then their wards by name."""
    if not is_citizen(user):
        return CitizenLink.objects.none()
    return (
        CitizenLink.objects.filter(user=user, ended_at__isnull=True)
        .select_related("person", "person__certificate")
        .order_by(SELF_FIRST, "person__name", "person_id")
    )


def persons_for_citizen(user: User) -> QuerySet[Person]:
    """The persons ``user`` may act for: none unless ``user`` is a citizen account."""
    if not is_citizen(user):
        return Person.objects.none()
    return Person.objects.filter(
        citizen_links__user=user, citizen_links__ended_at__isnull=True
    ).distinct()


def refuse(user: User, person_id: int | None, object_type: str, object_id: object) -> None:
    """Audit a portal request for something outside what ``user`` acts for."""
    area = (
        Person.objects.filter(pk=person_id).values_list("area_id", flat=True).first()
        if person_id is not None
        else None
    )
    audit.record(
        user,
        AuditAction.REFUSED,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id if area is not None else None,
        area_code=area or "",
        summary="portal: not a person this account acts for",
    )


def get_person_for_citizen(user: User, pk: int) -> Person:
    """The person ``pk`` if ``user`` acts for them; otherwise an audited 404."""
    try:
        return persons_for_citizen(user).select_related("certificate", "area").get(pk=pk)
    except Person.DoesNotExist:
        refuse(user, pk, "registry.person", pk)
        raise Http404 from None


def link_for_citizen(user: User, person: Person) -> CitizenLink:
    return CitizenLink.objects.get(user=user, person=person, ended_at__isnull=True)


def citizen_acts_for(user: User, person: Person) -> bool:
    return persons_for_citizen(user).filter(pk=person.pk).exists()


def citizen_applications(user: User) -> QuerySet[Application]:
    """The service applications of the persons ``user`` acts for (the engine's scope)."""
    return Application.objects.filter(person_id__in=persons_for_citizen(user).values("pk"))
