"""The access matrix for every survey, needs, visit and roster page: each role against a
person (and their survey, need and visit plan) in 东城街道第1社区.

Staff outside the area get 404 (the record does not exist for them); roles without the
capability get 403; anonymous visitors are sent to the login page. A refused change
leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.surveys.conftest import answers_for, fill_survey
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.surveys import actions
from tongxing.surveys.models import Need, Survey, VisitPlan

ROLES = (
    "anonymous",
    "village",
    "neighbour",
    "township",
    "county",
    "other_county",
    "city",
    "department",
    "provider",
    "auditor",
    "citizen",
)
IN_AREA = {"village", "township", "county", "city"}
OUTSIDE = {"neighbour", "other_county"}
FIELD_STAFF = {"village", "neighbour", "township", "county", "other_county"}
STAFF = FIELD_STAFF | {"city"}


def expected(role: str, allowed: set[str], *, scoped: bool = True) -> int:
    """302 anonymous; 403 without the capability; 404 outside the area; else 200."""
    if role == "anonymous":
        return 302
    if role not in allowed:
        return 403
    if scoped and role in OUTSIDE:
        return 404
    return 200


@pytest.fixture
def as_role(request, client, db):
    def login(role):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


@pytest.fixture
def records(village, person, definition):
    """A completed survey with an open need, a started survey, and a planned visit."""
    fill_survey(village, person, definition, care_need=True)
    other = factories.make_person(village, name="李四")
    started = fill_survey(village, other, definition, complete=False, screens=1)
    plan = actions.plan_visit(
        village,
        person,
        reason="living_alone",
        due_date=timezone.localdate() + dt.timedelta(days=3),
        assigned_to=village,
    )
    return {"person": person, "need": Need.objects.get(), "started": started, "plan": plan}


def state():
    return (
        list(Survey.objects.values_list("status", "saved_groups").order_by("id")),
        list(Need.objects.values_list("status", "reference").order_by("id")),
        list(VisitPlan.objects.values_list("status", flat=True).order_by("id")),
        AuditEvent.objects.exclude(action__in=[AuditAction.VIEW, AuditAction.REFUSED]).count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_progress_page_is_for_staff_and_shows_only_their_area(as_role, role, records):
    response = as_role(role).get("/surveys/")
    assert response.status_code == expected(role, STAFF, scoped=False)
    if response.status_code == 200:
        assert response.context["progress"].total.done == (1 if role in IN_AREA else 0)
    drill = as_role(role).get("/surveys/", {"area": "511902001001"})
    assert drill.status_code == expected(role, STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_a_persons_survey_page_is_shown_only_inside_the_area(as_role, role, records):
    response = as_role(role).get(f"/surveys/2025/persons/{records['person'].pk}/")
    assert response.status_code == expected(role, STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_survey_screens_and_review_open_for_field_staff_of_the_area(as_role, role, records):
    base = f"/surveys/2025/persons/{records['started'].person_id}/"
    client = as_role(role)
    assert client.get(base + "screens/rehabilitation/").status_code == expected(role, FIELD_STAFF)
    assert client.get(base + "review/").status_code == expected(role, FIELD_STAFF)


@pytest.mark.parametrize("role", ROLES)
def test_saving_a_screen_or_starting_a_survey_is_refused_outside_the_area(as_role, role, records):
    if role in IN_AREA:
        pytest.skip("the allowed case is covered by test_pages")
    before = state()
    person = records["started"].person
    client = as_role(role)
    data = {
        k: ("yes" if v is True else "no" if v is False else v)
        for k, v in answers_for(person)["basic"].items()
    }
    response = client.post(f"/surveys/2025/persons/{person.pk}/screens/basic/", data)
    assert response.status_code == expected(role, FIELD_STAFF)
    response = client.post(f"/surveys/2025/persons/{records['person'].pk}/review/")
    assert response.status_code == expected(role, FIELD_STAFF)
    assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_the_needs_list_shows_needs_of_the_area_only(as_role, role, records):
    response = as_role(role).get("/surveys/needs/")
    assert response.status_code == expected(role, STAFF, scoped=False)
    if response.status_code == 200:
        assert response.context["page"].paginator.count == (1 if role in IN_AREA else 0)


@pytest.mark.parametrize("role", ROLES)
def test_closing_a_need_is_for_staff_of_the_area(as_role, role, records):
    url = f"/surveys/needs/{records['need'].pk}/close/"
    client = as_role(role)
    assert client.get(url).status_code == expected(role, STAFF)
    if role not in IN_AREA:
        before = state()
        response = client.post(url, {"outcome": "met", "reference": "x"})
        assert response.status_code == expected(role, STAFF)
        assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_home_visit_pages_are_for_field_staff_of_the_area(as_role, role, records):
    client = as_role(role)
    plan = records["plan"]
    assert client.get("/surveys/visits/").status_code == expected(role, FIELD_STAFF, scoped=False)
    for url in (
        f"/surveys/visits/plan/{records['person'].pk}/",
        f"/surveys/visits/{plan.pk}/",
        f"/surveys/visits/{plan.pk}/record/",
    ):
        assert client.get(url).status_code == expected(role, FIELD_STAFF), url
    if role not in IN_AREA:
        before = state()
        client.post(
            f"/surveys/visits/{plan.pk}/record/",
            {"visited_on": timezone.localdate().isoformat(), "notes": "x"},
        )
        assert state() == before


@pytest.mark.parametrize("role", ROLES)
def test_the_emergency_roster_is_for_staff(as_role, role, records):
    response = as_role(role).get("/surveys/roster/")
    assert response.status_code == expected(role, STAFF, scoped=False)
