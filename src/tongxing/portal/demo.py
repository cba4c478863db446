"""Demo links for the citizen portal, on top of the demo population and accounts.

The demo ``citizen`` (张群众) is linked to themselves: the first person (by registration)
living in 东城街道第1社区, aged 18 or more on the reference date, with a certificate that
is valid and in its term on the reference date. The demo ``guardian`` is linked, as the
mother, to the youngest such child (under 18) of the same community, or of 东城街道 if the
community has none, who has no child rehabilitation application yet (else to the first
such child): issue #5's story has the guardian apply for it in the portal. Each link is
made by the demo worker of the person's area (``village`` for the community,
``township`` for the rest of 东城街道), as a worker checking the family's papers at the
counter would; both sign in with the fictitious numbers below.

Re-running changes nothing once the links exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from tongxing.accounts.models import User
from tongxing.core.scoping import prefix_q
from tongxing.portal import actions
from tongxing.portal.models import ActingAs, CitizenLink
from tongxing.registry.demo import REFERENCE_DATE
from tongxing.registry.models import CertificateStatus, Person, PersonStatus

DEMO_VILLAGE = "511902001001"  # 东城街道第1社区
DEMO_TOWNSHIP = "511902001"  # 东城街道
CITIZEN_PHONE = "13700000001"  # fictitious
GUARDIAN_PHONE = "13700000002"  # fictitious
GUARDIAN_RELATION = "母亲"
CHILD_REHAB = "child_rehabilitation"


@dataclass
class PortalDemo:
    created: bool
    citizen_person: Person
    child: Person


def _certified(area_code: str) -> QuerySet[Person]:
    return (
        Person.objects.filter(prefix_q("area_id", area_code))
        .filter(
            status=PersonStatus.ACTIVE,
            certificate__status=CertificateStatus.VALID,
            certificate__valid_until__gte=REFERENCE_DATE,
        )
        .select_related("certificate")
        .order_by("pk")
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)  # 31 December exists in every year


def pick_persons() -> tuple[Person, Person]:
    adult_born_by = _years_before(REFERENCE_DATE, 18)
    adult = _certified(DEMO_VILLAGE).filter(birth_date__lte=adult_born_by).first()
    children = [
        _certified(area).filter(birth_date__gt=adult_born_by)
        for area in (DEMO_VILLAGE, DEMO_TOWNSHIP)
    ]
    # The guardian's story in issue #5 is a child rehabilitation application: the
    # youngest child stays in its age range longest after the reference date, and one
    # without such an application can still apply (another demo places a child already).
    child = None
    for candidates in children:
        child = (
            candidates.exclude(service_applications__service_type__code=CHILD_REHAB)
            .order_by("-birth_date", "pk")
            .first()
        )
        if child is not None:
            break
    for candidates in children:
        child = child or candidates.first()
    if adult is None or child is None:
        raise LookupError(
            f"the demo population has no certified adult in {DEMO_VILLAGE} or no certified "
            f"child in {DEMO_TOWNSHIP}: run generate_demo first"
        )
    return adult, child


def _worker_for(person: Person) -> User:
    """The demo staff account whose area holds ``person``: the community's worker if it
    lives there, else the township officer."""
    username = "village" if person.area_id.startswith(DEMO_VILLAGE) else "township"
    return User.objects.get(username=username)


@transaction.atomic
def generate_portal_demo() -> PortalDemo:
    citizen = User.objects.get(username="citizen")
    guardian = User.objects.get(username="guardian")
    adult, child = pick_persons()
    created = False
    if not CitizenLink.objects.filter(user=citizen, ended_at__isnull=True).exists():
        actions.link_citizen(_worker_for(adult), citizen, adult, ActingAs.SELF, phone=CITIZEN_PHONE)
        created = True
    if not CitizenLink.objects.filter(user=guardian, ended_at__isnull=True).exists():
        actions.link_citizen(
            _worker_for(child),
            guardian,
            child,
            ActingAs.PARENT_OF_CHILD,
            relation=GUARDIAN_RELATION,
            phone=GUARDIAN_PHONE,
        )
        created = True
    return PortalDemo(created, adult, child)


def login_lines() -> list[str]:
    """What ``make demo`` prints about the portal accounts."""
    lines = []
    for username, phone in (("citizen", CITIZEN_PHONE), ("guardian", GUARDIAN_PHONE)):
        link = (
            CitizenLink.objects.filter(user__username=username, ended_at__isnull=True)
            .select_related("person")
            .first()
        )
        if link is None:
            continue
        lines.append(
            f"  {username:<11} signs in as {username} or {phone}; acts for "
            f"{link.person.name} ({link.get_acting_as_display()}, {link.person.area_id})"
        )
    return lines
