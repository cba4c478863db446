"""Scoped reads of person data: the only way views, exports and the API reach persons.

Every helper takes the user. Records outside the user's area behave as if they did not
exist (404), and the attempt is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.http import Http404
from django.utils import timezone

from tongxing.accounts.models import User
from tongxing.accounts.roles import Capability
from tongxing.areas.models import CODE_LENGTH, Area, AreaLevel
from tongxing.core import audit
from tongxing.core.idnumbers import normalise_id_number
from tongxing.core.lookups import CodePointOrder
from tongxing.core.models import AuditAction
from tongxing.core.scoping import prefix_q
from tongxing.registry.models import Household, Person

# Age bands offered by the search form: label → (youngest, oldest) in whole years.
AGE_BANDS = {
    "0-6": (0, 6),
    "7-17": (7, 17),
    "18-59": (18, 59),
    "60-79": (60, 79),
    "80+": (80, 200),
}


def require(user: User, capability: Capability) -> None:
    if not user.is_authenticated or not user.can(capability) or not user.area_id:
        raise PermissionDenied


def persons_for(user: User, capability: Capability = Capability.VIEW_REGISTRY) -> QuerySet[Person]:
    require(user, capability)
    return Person.objects.filter(prefix_q("area_id", user.area_id))


def households_for(user: User) -> QuerySet[Household]:
    require(user, Capability.VIEW_REGISTRY)
    return Household.objects.filter(prefix_q("area_id", user.area_id))


def get_person_for_user(
    user: User, pk: int, capability: Capability = Capability.VIEW_REGISTRY
) -> Person:
    """The person with ``pk`` if ``user`` may act on it with ``capability``; else 404/403."""
    try:
        return persons_for(user, capability).select_related("certificate", "area").get(pk=pk)
    except Person.DoesNotExist:
        outside = Person.objects.filter(pk=pk).values_list("area_id", flat=True).first()
        if outside is not None:
            audit.record(
                user,
                AuditAction.REFUSED,
                object_type="registry.person",
                object_id=pk,
                person_id=pk,
                area_code=outside,
                summary="person outside the user's area",
            )
        raise Http404 from None


def open_person_record(user: User, pk: int) -> Person:
    """Fetch a person for their page and log that ``user`` viewed it (PIPL: who saw what)."""
    person = get_person_for_user(user, pk)
    audit.record(
        user,
        AuditAction.VIEW,
        object_type="registry.person",
        object_id=person.pk,
        person_id=person.pk,
        area_code=person.area_id,
    )
    return person


def search_persons(user: User, criteria: dict[str, Any]) -> QuerySet[Person]:
    """Persons in ``user``'s area matching the search form's cleaned data.

    One query with the certificate and area joined in, so a page of results costs no
    per-row queries. The free-text box is read by its shape: an ID number, a
    certificate number, latin letters (pinyin or initials) or Chinese characters.
    """
    persons = persons_for(user).select_related("certificate", "area")
    text = (criteria.get("q") or "").strip()
    # Across a city or county a name prefix narrows far more than the area does; within a
    # township or village the area is the narrower one (see core.lookups.RarePrefix).
    broad = user.area.level in (AreaLevel.CITY, AreaLevel.COUNTY)
    name_match = "rare_prefix" if broad else "common_prefix"
    # Likewise a category, grade or status holds many of a village's rows but few of the
    # city's: within a township or village let the area index lead.
    equals = "exact" if broad else "common"
    # Without a name to sort by, list by area then registration: the order of the area
    # index the scope already walks, so a city-wide page needs no sort of a million rows.
    ordering = ["area_id", "id"]
    if text:
        compact = normalise_id_number(text)
        if len(compact) == 18 and compact[:17].isdigit():
            persons = persons.with_id_number(compact)
        elif len(compact) >= 20 and compact[:17].isdigit():
            persons = persons.with_certificate_number(compact)
        elif text.isascii() and text.replace(" ", "").isalpha():
            letters = text.replace(" ", "").lower()
            field = "name_initials" if len(letters) <= 4 else "name_pinyin"
            persons = persons.filter(**{f"{field}__{name_match}": letters})
            ordering = [CodePointOrder(field), "id"]
        else:
            persons = persons.filter(**{f"name__{name_match}": text})
            ordering = [CodePointOrder("name"), "id"]
    if criteria.get("area"):
        persons = persons.filter(prefix_q("area_id", criteria["area"]))
    if criteria.get("category"):
        persons = persons.filter(**{f"certificate__category__{equals}": criteria["category"]})
    if criteria.get("grade"):
        persons = persons.filter(**{f"certificate__grade__{equals}": criteria["grade"]})
    if criteria.get("certificate_status"):
        persons = persons.filter(
            **{f"certificate__status__{equals}": criteria["certificate_status"]}
        )
    if criteria.get("status"):
        persons = persons.filter(**{f"status__{equals}": criteria["status"]})
    if criteria.get("age") in AGE_BANDS:
        youngest, oldest = AGE_BANDS[criteria["age"]]
        today = timezone.localdate()
        born_after = _years_before(today, oldest + 1) + dt.timedelta(days=1)
        born_before = _years_before(today, youngest)
        persons = persons.filter(birth_date__gte=born_after, birth_date__lte=born_before)
    return persons.order_by(*ordering)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def area_summary(user: User) -> dict[str, Any]:
    """Counts for the home page: by category, grade, certificate status and sub-area.

    One GROUP BY over the area's index range (sub-area × person status × category × grade
    × certificate status, a few thousand groups at most) folded into the tables here:
    one pass over the persons instead of one per table, never loading a person.
    """
    persons = persons_for(user)
    area = user.area
    child_level = {
        AreaLevel.CITY: AreaLevel.COUNTY,
        AreaLevel.COUNTY: AreaLevel.TOWNSHIP,
        AreaLevel.TOWNSHIP: AreaLevel.VILLAGE,
    }.get(area.level)
    width = CODE_LENGTH[child_level] if child_level else len(area.code)
    groups = (
        persons.annotate(sub=Substr("area_id", 1, width))
        .values_list(
            "sub", "status", "certificate__category", "certificate__grade", "certificate__status"
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    totals: dict[str, int] = defaultdict(int)
    by_category: dict[int, int] = defaultdict(int)
    by_grade: dict[int, int] = defaultdict(int)
    by_certificate_status: dict[str, int] = defaultdict(int)
    by_sub: dict[str, int] = defaultdict(int)
    for sub, status, category, grade, certificate_status, n in groups:
        totals[status] += n
        if status != "active":
            continue
        by_category[category] += n
        by_grade[grade] += n
        by_certificate_status[certificate_status] += n
        by_sub[sub] += n
    by_sub_area = (
        [
            {"area": child, "count": by_sub.get(child.code, 0)}
            for child in Area.objects.filter(parent=area).order_by("code")
        ]
        if child_level
        else []
    )
    return {
        "total": totals["active"],
        "deceased": totals["deceased"],
        "moved_out": totals["moved_out"],
        "by_category": dict(by_category),
        "by_grade": dict(by_grade),
        "by_certificate_status": dict(by_certificate_status),
        "by_sub_area": by_sub_area,
    }
