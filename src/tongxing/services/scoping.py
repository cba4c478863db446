"""Who sees which applications, documents and persons' services: the one place the
services app turns a user into a query.

* Staff (village to city) with ``VIEW_SERVICES``: applications of persons in their area.
* Providers: applications placed at a facility they are a member of (``FacilityMember``).
* Other roles (the citizen portal): whatever the app that owns the role registers with
  :func:`register_application_scope` and :func:`register_person_access`, e.g.::

      register_application_scope(Role.CITIZEN, lambda user: Application.objects.filter(
          person__in=linked_persons(user)))
      register_person_access(Role.CITIZEN, lambda user, person: is_linked(user, person))

Anything not granted is empty: an application outside the scope is a 404 and the
attempt is audited.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import Http404

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability, Role
from tongxing.areas.models import CODE_LENGTH
from tongxing.core import audit
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.registry.models import Person
from tongxing.services.models import OPEN_STATUSES, Application, Facility, FacilityMember

ApplicationScope = Callable[[User], QuerySet[Application]]
PersonAccess = Callable[[User, Person], bool]

_application_scopes: dict[str, ApplicationScope] = {}
_person_access: dict[str, PersonAccess] = {}


def register_application_scope(role: str, fn: ApplicationScope) -> None:
    """Let users of ``role`` (other than staff and providers) see ``fn(user)``."""
    _application_scopes[str(role)] = fn


def register_person_access(role: str, fn: PersonAccess) -> None:
    """Let users of ``role`` apply, upload and withdraw for a person when ``fn`` says so."""
    _person_access[str(role)] = fn


def is_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.area_id and user.can(Capability.VIEW_SERVICES))


def facility_ids_for(user: User) -> list[int]:
    if not user.is_authenticated or user.role != Role.PROVIDER or not user.is_active:
        return []
    return list(FacilityMember.objects.filter(user=user).values_list("facility_id", flat=True))


def applications_for(user: User) -> QuerySet[Application]:
    """Every application ``user`` may see (see the module docstring)."""
    if not user.is_authenticated or not user.is_active:
        return Application.objects.none()
    if user.role == Role.PROVIDER:
        return Application.objects.filter(facility_id__in=facility_ids_for(user))
    if is_staff(user):
        return Application.objects.filter(prefix_q("area_id", user.area_id))
    scope = _application_scopes.get(user.role)
    return scope(user) if scope else Application.objects.none()


def get_application_for_user(user: User, pk: int) -> Application:
    """The application ``pk`` if ``user`` may see it; else 404, and the refusal audited."""
    found = (
        applications_for(user)
        .select_related("service_type", "person", "person__certificate", "facility", "area")
        .filter(pk=pk)
        .first()
    )
    if found is not None:
        return found
    outside = Application.objects.filter(pk=pk).values_list("person_id", "area_id").first()
    if outside is not None:
        audit.record(
            user,
            AuditAction.REFUSED,
            object_type="services.application",
            object_id=pk,
            person_id=outside[0],
            area_code=outside[1],
            summary="application outside the user's scope",
        )
    raise Http404


def inbox_for(user: User) -> QuerySet[Application]:
    """The open applications waiting for ``user``'s role in ``user``'s area (or at their
    facilities), earliest deadline, hence overdue, first. One range of the inbox index."""
    if user.role == Role.PROVIDER:
        mine = Application.objects.filter(
            facility_id__in=facility_ids_for(user), step_role=Role.PROVIDER
        )
    elif is_staff(user) and user.can(Capability.PROCESS_APPLICATIONS):
        mine = Application.objects.filter(step_role=user.role, step_area=user.area_id)
    else:
        return Application.objects.none()
    return mine.filter(status__in=OPEN_STATUSES).order_by("due_date", "id")


def may_act_for_person(user: User, person: Person) -> bool:
    """Whether ``user`` may apply, upload documents and withdraw for ``person``."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.area_id and user.can(Capability.APPLY_FOR_SERVICE):
        return person.area_id.startswith(user.area_id)
    access = _person_access.get(user.role)
    return bool(access and access(user, person))


def may_view_person_services(user: User, person: Person) -> bool:
    """Whether ``user`` may see ``person``'s applications and documents: staff of the area,
    the providers the person is a client of, and whoever the role's owner lets act."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_staff(user):
        return person.area_id.startswith(user.area_id)
    if user.role == Role.PROVIDER:
        return applications_for(user).filter(person=person).exists()
    access = _person_access.get(user.role)
    return bool(access and access(user, person))


def facilities_managed_by(user: User) -> QuerySet[Facility]:
    """The facilities ``user`` may edit and staff: a county officer those in the county, a
    city officer every one, including those outside the region (no area)."""
    if not user.is_authenticated or not user.can(Capability.MANAGE_FACILITIES) or not user.area_id:
        return Facility.objects.none()
    if len(user.area_id) == CODE_LENGTH["city"]:
        return Facility.objects.filter(Q(area__isnull=True) | prefix_q("area_id", user.area_id))
    return Facility.objects.filter(prefix_q("area_id", user.area_id))


def get_managed_facility(user: User, pk: int) -> Facility:
    """The facility ``pk`` if ``user`` may manage it; else 404, and the refusal audited."""
    found = facilities_managed_by(user).select_related("area").filter(pk=pk).first()
    if found is not None:
        return found
    outside = Facility.objects.filter(pk=pk).values_list("area_id", flat=True)
    if outside:
        audit.record(
            user,
            AuditAction.REFUSED,
            object_type="services.facility",
            object_id=pk,
            area_code=outside[0] or "",
            summary="facility outside the user's area to manage",
        )
    raise Http404
