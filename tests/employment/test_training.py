"""Training courses, enrolments, outcomes and the counts by skill and area."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.employment.conftest import worker
from tongxing.areas.models import Area
from tongxing.core.models import AuditEvent
from tongxing.employment import actions, queries
from tongxing.employment.models import Enrolment


@pytest.fixture
def course(county):
    return actions.create_course(
        county,
        actions.CourseData(
            title="盲人按摩初级班",
            provider="巴州区残联职业培训中心",
            skill="blind_massage",
            area=Area.objects.get(code="511902"),
            start_date=dt.date(2025, 4, 1),
            end_date=dt.date(2025, 6, 30),
            places=2,
            accessibility=["screen_reader"],
        ),
    )


def test_a_course_ending_before_it_starts_is_refused(county):
    with pytest.raises(ValidationError) as error:
        actions.create_course(
            county,
            actions.CourseData(
                title="电商",
                provider="某机构",
                skill="ecommerce",
                area=Area.objects.get(code="511902"),
                start_date=dt.date(2025, 4, 1),
                end_date=dt.date(2025, 3, 1),
                places=10,
            ),
        )
    assert error.value.message_dict == {"end_date": ["The course cannot end before it starts."]}


def test_a_village_worker_enrols_through_the_course_page_and_places_run_out(
    client, village, course
):
    first, second, third = (worker(village, name=n) for n in ("甲", "乙", "丙"))
    client.force_login(village)
    assert client.get(f"/employment/training/{course.pk}/").status_code == 200
    for person in (first, second):
        response = client.post(
            f"/employment/training/{course.pk}/", {"id_number": person.id_number}
        )
        assert response.status_code == 302
    full = client.post(f"/employment/training/{course.pk}/", {"id_number": third.id_number})
    assert "All places of this course are taken." in full.content.decode()
    assert list(Enrolment.objects.values_list("person__name", flat=True)) == ["甲", "乙"]


def test_outcomes_are_counted_by_skill_and_area(client, village, neighbour, township, course):
    a, b = worker(village, name="甲"), worker(village, name="乙")
    c = worker(neighbour, name="丙", area_code=factories.NEXT_VILLAGE)
    enrolments = [actions.enrol(village, course, a), actions.enrol(village, course, b)]
    with pytest.raises(ValidationError):
        actions.enrol(neighbour, course, c)  # two places, both taken
    actions.finish_enrolment(village, enrolments[0], status="completed", certificate_obtained=True)
    actions.finish_enrolment(village, enrolments[1], status="dropped", certificate_obtained=False)
    assert [
        (r["course__skill"], r["sub"], r["enrolled"], r["completed"], r["certified"])
        for r in queries.training_counts(township)
    ] == [("blind_massage", "511902001001", 2, 1, 1)]


def test_others_cannot_enrol_or_record_outcomes_outside_their_area(village, neighbour, course):
    person = worker(village)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        actions.enrol(neighbour, course, person)
    enrolment = actions.enrol(village, course, person)
    with pytest.raises(PermissionDenied):
        actions.finish_enrolment(
            neighbour, enrolment, status="completed", certificate_obtained=True
        )
    enrolment.refresh_from_db()
    assert (enrolment.status, AuditEvent.objects.count()) == ("enrolled", before + 1)
