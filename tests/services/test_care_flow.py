from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.services.conftest import DAY, applicant, document
from tongxing.services import actions
from tongxing.services.models import Application, ApplicationEvent, ApplicationStatus
from tongxing.services.scoping import inbox_for

pytestmark = pytest.mark.usefixtures("documents_dir")


def test_a_care_application_goes_from_village_to_county_to_the_care_home(
    village, county, provider, care_home
):
    person = applicant(village, born=dt.date(1990, 5, 1), category=5, grade=2)
    card = document(village, person)
    app = actions.submit_application(
        village,
        person,
        "care_services",
        {"mode": "day", "situation": "父母年老"},
        {"id_card": card},
        "key-1",
        day=DAY,
    )
    assert (app.current_step, app.step_role, app.step_area) == (
        "review",
        "village_worker",
        "511902001001",
    )
    assert app.due_date == dt.date(2025, 11, 10)  # 5 working days after Monday 3 November
    assert list(inbox_for(village)) == [app]
    actions.complete_step(village, app, "review", {"opinion": "情况属实"}, day=DAY)
    app.refresh_from_db()
    assert (app.current_step, app.step_area) == ("decision", "511902")
    actions.approve_application(county, app, "decision", day=DAY)
    actions.complete_step(county, app, "placement", facility=care_home, day=DAY)
    app.refresh_from_db()
    assert (app.status, app.current_step, app.facility) == (
        ApplicationStatus.APPROVED,
        "admission",
        care_home,
    )
    assert list(inbox_for(provider)) == [app]
    actions.complete_step(provider, app, "admission", {"start_date": "2025-11-10"}, day=DAY)
    app.refresh_from_db()
    assert (app.status, app.current_step, app.closed_on) == (ApplicationStatus.COMPLETED, "", DAY)
    assert list(app.events.values_list("kind", flat=True)) == [
        "submitted",
        "step_done",
        "approved",
        "step_done",
        "completed",
    ]


def test_a_second_submit_with_the_same_key_returns_the_first_application(village, services):
    person = applicant(village, category=5, grade=2)
    card = document(village, person)
    answers = {"mode": "day", "situation": "x"}
    first = actions.submit_application(
        village, person, "care_services", answers, {"id_card": card}, "k", day=DAY
    )
    again = actions.submit_application(
        village, person, "care_services", answers, {"id_card": card}, "k", day=DAY
    )
    assert again.pk == first.pk
    with pytest.raises(ValidationError):
        actions.submit_application(
            village, person, "care_services", answers, {"id_card": card}, "k2", day=DAY
        )
    assert Application.objects.count() == 1


def test_the_county_cannot_do_the_village_step_and_nothing_changes(village, county, services):
    person = applicant(village, category=5, grade=2)
    card = document(village, person)
    app = actions.submit_application(
        village,
        person,
        "care_services",
        {"mode": "day", "situation": "x"},
        {"id_card": card},
        day=DAY,
    )
    with pytest.raises(PermissionDenied):
        actions.complete_step(county, app, "review", {"opinion": "x"}, day=DAY)
    app.refresh_from_db()
    assert app.current_step == "review"
    assert ApplicationEvent.objects.filter(application=app).count() == 1
