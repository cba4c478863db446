"""The access matrix for every employment page: each role of the cast against an
employer, its declaration and a person in 东城街道第1社区.

Roles without the capability get 403, staff outside the area 404 for records there,
anonymous visitors the login page. A refused change leaves the database as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.employment.conftest import worker
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.employment import actions
from tongxing.employment.models import Declaration, Employer, EmploymentStatus, Placement

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
OUTSIDE = {"neighbour", "other_county"}
EMPLOYMENT_STAFF = {"village", "neighbour", "township", "county", "other_county", "city"}
EMPLOYER_STAFF = {"county", "other_county", "city"}


def expected(role: str, allowed: set[str], *, scoped: bool = True) -> int:
    if role == "anonymous":
        return 302
    if role not in allowed:
        return 403
    if scoped and role in OUTSIDE:
        return 404
    return 200


@pytest.fixture
def records(declaration, village, county):
    post = actions.create_job_post(
        county,
        declaration.employer,
        actions.PostData(title="按摩", area=declaration.employer.area),
    )
    course = actions.create_course(
        county,
        actions.CourseData(
            title="电商培训",
            provider="巴州区残联",
            skill="ecommerce",
            area=declaration.employer.area.parent.parent,
            start_date=dt.date(2025, 4, 1),
            end_date=dt.date(2025, 4, 30),
            places=20,
        ),
    )
    return {
        "course": course,
        "declaration": declaration,
        "employer": declaration.employer,
        "person": worker(village, name="赵六"),
        "post": post,
    }


def state():
    return (
        Employer.objects.count(),
        Declaration.objects.count(),
        EmploymentStatus.objects.count(),
        Placement.objects.count(),
        AuditEvent.objects.exclude(action__in=[AuditAction.VIEW, AuditAction.REFUSED]).count(),
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_employment_pages_of_an_area_open_for_its_staff(as_role, role, records):
    client = as_role(role)
    assert client.get("/employment/").status_code == expected(role, EMPLOYMENT_STAFF, scoped=False)
    assert client.get("/employment/zero-employment/").status_code == expected(
        role, EMPLOYMENT_STAFF, scoped=False
    )
    drill = client.get("/employment/zero-employment/", {"area": "511902001001"})
    assert drill.status_code == expected(role, EMPLOYMENT_STAFF)
    person = client.get(f"/employment/persons/{records['person'].pk}/")
    assert person.status_code == expected(role, EMPLOYMENT_STAFF)
    assert client.get("/employment/training/").status_code == expected(
        role, EMPLOYMENT_STAFF, scoped=False
    )
    # A course held in 巴州区 is open to all its villages; for 通江县 it does not exist.
    course = client.get(f"/employment/training/{records['course'].pk}/")
    if role == "other_county":
        assert course.status_code == 404
    else:
        assert course.status_code == expected(role, EMPLOYMENT_STAFF, scoped=False)
    assert client.get("/employment/training/new/").status_code == expected(
        role, EMPLOYER_STAFF, scoped=False
    )


@pytest.mark.parametrize("role", ROLES)
def test_employers_declarations_and_the_fund_are_for_county_and_city_staff(as_role, role, records):
    client = as_role(role)
    employer, declaration = records["employer"], records["declaration"]
    assert client.get("/employment/employers/").status_code == expected(
        role, EMPLOYER_STAFF, scoped=False
    )
    assert client.get("/employment/employers/new/").status_code == expected(
        role, EMPLOYER_STAFF, scoped=False
    )
    assert client.get("/employment/fund/2024/").status_code == expected(
        role, EMPLOYER_STAFF, scoped=False
    )
    assert client.get(f"/employment/employers/{employer.pk}/").status_code == expected(
        role, EMPLOYER_STAFF
    )
    assert client.get(f"/employment/employers/{employer.pk}/declare/").status_code == expected(
        role, EMPLOYER_STAFF
    )
    assert client.get(f"/employment/declarations/{declaration.pk}/").status_code == expected(
        role, EMPLOYER_STAFF
    )
    assert client.get("/employment/posts/").status_code == expected(
        role, EMPLOYER_STAFF, scoped=False
    )
    assert client.get(f"/employment/posts/{records['post'].pk}/").status_code == expected(
        role, EMPLOYER_STAFF
    )
    assert client.get(f"/employment/employers/{employer.pk}/posts/new/").status_code == expected(
        role, EMPLOYER_STAFF
    )


@pytest.mark.parametrize("role", [r for r in ROLES if r not in {"village", "township", "county"}])
def test_recording_a_status_is_refused_to_others_and_changes_nothing(as_role, role, records):
    before = state()
    response = as_role(role).post(
        f"/employment/persons/{records['person'].pk}/",
        {"status-status": "seeking", "status-start_date": "2025-01-01"},
    )
    assert response.status_code in {302, 403, 404}
    if role == "anonymous":
        assert response.url.startswith("/accounts/login/")
    assert state() == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in {"county", "city"}])
def test_entering_a_declaration_is_refused_to_others_and_changes_nothing(as_role, role, records):
    before = state()
    response = as_role(role).post(
        f"/employment/employers/{records['employer'].pk}/declare/",
        {"year": "2023", "average_staff": "50", "total_wages": "100000", "employees": ""},
    )
    assert response.status_code in {302, 403, 404}
    assert state() == before


@pytest.mark.parametrize("role", [r for r in ROLES if r not in {"county", "city"}])
def test_placing_a_seeker_is_refused_to_others_and_changes_nothing(as_role, role, records):
    before = state()
    response = as_role(role).post(
        f"/employment/posts/{records['post'].pk}/",
        {"person": records["person"].pk, "form": "quota", "start_date": "2025-07-01"},
    )
    assert response.status_code in {302, 403, 404}
    assert state() == before
