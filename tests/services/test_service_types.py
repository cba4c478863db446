"""Each generic service type end to end: happy path and refusals, with exact values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.services.conftest import DAY, applicant, document, enrol, facility
from tongxing.registry.models import (
    Household,
    HouseholdStatus,
    HouseholdStatusKind,
    LifeEvent,
    Person,
)
from tongxing.services import actions
from tongxing.services.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    FacilityKind,
    FacilityMember,
)

pytestmark = pytest.mark.usefixtures("documents_dir")


def submit(actor, person, code, answers, **documents):
    return actions.submit_application(actor, person, code, answers, documents, day=DAY)


def test_home_renovation_from_survey_to_cost_with_the_budget_approved(
    village, township, county, contractor
):
    person = applicant(village)
    household = Household.objects.create(area_id=person.area_id, address="x")
    Person.objects.filter(pk=person.pk).update(household=household)
    HouseholdStatus.objects.create(
        household=household, kind=HouseholdStatusKind.DIBAO, start_date=dt.date(2024, 1, 1)
    )
    person.refresh_from_db()
    app = submit(
        village,
        person,
        "home_renovation",
        {"needs": "门口台阶", "owner_consent": "yes"},
        id_card=document(village, person),
    )
    assert app.priority is True
    actions.complete_step(village, app, "survey", {"findings": "台阶三级"}, day=DAY)
    actions.complete_step(county, app, "plan", {"plan": "坡道", "budget": "3500"}, day=DAY)
    actions.approve_application(county, app, "decision", day=DAY)
    app.refresh_from_db()
    assert (app.status, app.amount) == (ApplicationStatus.APPROVED, Decimal("3500.00"))
    actions.complete_step(
        county, app, "contractor", {"start_date": "2025-11-20"}, facility=contractor, day=DAY
    )
    with pytest.raises(ValidationError) as error:
        actions.complete_step(township, app, "acceptance", {"accepted": "yes"}, day=DAY)
    assert error.value.message_dict == {
        "document_acceptance_photo": ["改造后照片: a document is required."]
    }
    photo = actions.upload_document(
        township, person, "acceptance_photo", "after.jpg", b"\xff\xd8\xff\xe0 jpeg"
    )
    actions.complete_step(
        township,
        app,
        "acceptance",
        {"accepted": "yes"},
        documents={"acceptance_photo": photo},
        day=DAY,
    )
    actions.complete_step(county, app, "cost", {"final_cost": "3420.50"}, day=DAY)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.COMPLETED
    assert app.step_data["cost"] == {"final_cost": "3420.50"}
    assert app.facility == contractor


def test_a_household_without_low_income_status_is_not_marked_priority(village, services):
    person = applicant(village)
    app = submit(
        village,
        person,
        "home_renovation",
        {"needs": "x", "owner_consent": "no"},
        id_card=document(village, person),
    )
    assert app.priority is False


def test_education_aid_is_approved_saying_the_amount_is_not_configured(
    village, township, county, services
):
    person = applicant(village, born=dt.date(2012, 3, 1))
    enrol(person)
    app = submit(
        village,
        person,
        "education_aid",
        {"level": "junior", "school": "巴中三中", "enrolment_year": "2024"},
        enrolment_proof=document(
            village, person, "enrolment_proof", "proof.png", b"\x89PNG\r\n\x1a\n..."
        ),
    )
    actions.complete_step(township, app, "verify", {"enrolment_checked": "yes"}, day=DAY)
    actions.approve_application(county, app, "decision", day=DAY)
    app.refresh_from_db()
    assert (app.status, app.amount) == (ApplicationStatus.COMPLETED, None)
    note = app.step_data["decision"]["amount_note"]
    assert note.startswith("Amount not configured (education_aid.amount_junior)")


def test_education_aid_needs_a_level_from_the_list(village, services):
    person = applicant(village)
    with pytest.raises(ValidationError) as error:
        submit(
            village,
            person,
            "education_aid",
            {"level": "phd", "school": "x", "enrolment_year": "2024"},
        )
    assert error.value.message_dict["level"] == ["学段: choose one of the options."]
    assert Application.objects.count() == 0


def test_legal_aid_is_assigned_to_a_station_whose_provider_records_actions_and_outcome(
    village, county, provider, legal_station
):
    person = applicant(village)
    app = submit(village, person, "legal_aid", {"matter": "labour", "description": "欠薪"})
    actions.complete_step(county, app, "intake", {"intake_note": "受理"}, day=DAY)
    actions.approve_application(county, app, "decision", day=DAY)
    actions.complete_step(county, app, "assignment", facility=legal_station, day=DAY)
    actions.complete_step(provider, app, "actions", {"actions_taken": "调解"}, day=DAY)
    actions.record_service(provider, app, DAY, "调解会", Decimal("2"))
    actions.complete_step(
        provider, app, "outcome", {"result": "mediated", "summary": "已支付"}, day=DAY
    )
    app.refresh_from_db()
    assert (app.status, app.step_data["outcome"]["result"]) == ("completed", "mediated")
    assert app.service_records.get().hours == Decimal("2.00")


def test_legal_aid_refused_at_the_decision_keeps_the_reason(village, county, services):
    person = applicant(village)
    app = submit(village, person, "legal_aid", {"matter": "other", "description": "x"})
    actions.complete_step(county, app, "intake", {"intake_note": "x"}, day=DAY)
    with pytest.raises(ValidationError):
        actions.refuse_application(county, app, "decision", "  ", day=DAY)
    actions.refuse_application(county, app, "decision", "不属于法律援助范围", day=DAY)
    app.refresh_from_db()
    assert (app.status, app.outcome, app.refusal_reason, app.current_step) == (
        "refused",
        "refused",
        "不属于法律援助范围",
        "",
    )


def test_a_provider_of_another_station_cannot_record_for_this_client(
    village, county, legal_station, services
):
    other = factories.make_user("other_provider", "provider", "511902")
    FacilityMember.objects.create(
        facility=facility(FacilityKind.LEGAL_AID_STATION, "别的站"), user=other
    )
    person = applicant(village)
    app = submit(village, person, "legal_aid", {"matter": "other", "description": "x"})
    actions.complete_step(county, app, "intake", {"intake_note": "x"}, day=DAY)
    actions.approve_application(county, app, "decision", day=DAY)
    actions.complete_step(county, app, "assignment", facility=legal_station, day=DAY)
    with pytest.raises(PermissionDenied):
        actions.complete_step(other, app, "actions", {"actions_taken": "x"}, day=DAY)
    with pytest.raises(PermissionDenied):
        actions.record_service(other, app, DAY, "x")
    app.refresh_from_db()
    assert app.current_step == "actions"
    assert app.service_records.count() == 0


def test_certificate_renewal_at_home_renews_the_certificate_in_the_registry(
    village, county, services
):
    person = applicant(village)
    app = submit(
        village,
        person,
        "certificate_home",
        {"request": "renewal", "reason": "卧床"},
        id_card=document(village, person),
    )
    actions.complete_step(village, app, "check", {"mobility": "卧床"}, day=DAY)
    actions.approve_application(county, app, "decision", day=DAY)
    actions.complete_step(county, app, "home_visit", {"visit_note": "已上门"}, day=DAY)
    person.certificate.refresh_from_db()
    assert (person.certificate.issue_date, person.certificate.valid_until) == (
        DAY,
        dt.date(2035, 11, 3),
    )
    assert LifeEvent.objects.filter(person=person, kind="renewal").count() == 1
    app.refresh_from_db()
    assert app.step_data["home_visit"]["registry_action"] == "renew"


def test_a_grade_change_without_the_assessed_grade_changes_nothing(village, county, services):
    person = applicant(village)
    app = submit(
        village,
        person,
        "certificate_home",
        {"request": "grade_change", "reason": "x"},
        id_card=document(village, person),
    )
    actions.complete_step(village, app, "check", {"mobility": "x"}, day=DAY)
    actions.approve_application(county, app, "decision", day=DAY)
    with pytest.raises(ValidationError):
        actions.complete_step(county, app, "home_visit", {"visit_note": "x"}, day=DAY)
    app.refresh_from_db()
    assert app.current_step == "home_visit"
    assert LifeEvent.objects.filter(person=person, kind="reassessment").count() == 0
    actions.complete_step(
        county, app, "home_visit", {"visit_note": "x", "category": "4", "grade": "1"}, day=DAY
    )
    person.certificate.refresh_from_db()
    assert (person.certificate.category, person.certificate.grade) == (4, 1)


def test_care_is_refused_outside_16_to_59_and_for_physical_grade_3(village, services):
    old = applicant(village, born=dt.date(1950, 1, 1), category=5, grade=2)
    with pytest.raises(ValidationError) as error:
        submit(
            village,
            old,
            "care_services",
            {"mode": "day", "situation": "x"},
            id_card=document(village, old),
        )
    assert error.value.messages == ["The service is for ages 16 to 59; the person is 75."]
    mild = applicant(village, category=4, grade=3)
    with pytest.raises(ValidationError) as error:
        submit(
            village,
            mild,
            "care_services",
            {"mode": "day", "situation": "x"},
            id_card=document(village, mild),
        )
    assert error.value.messages == ["Care services take physical disability of grade 1 or 2 only."]
    assert Application.objects.count() == 0


def test_a_full_care_home_refuses_the_placement_and_nothing_changes(village, county, care_home):
    apps = []
    for _n in range(3):
        person = applicant(village, category=5, grade=2)
        app = submit(
            village,
            person,
            "care_services",
            {"mode": "day", "situation": "x"},
            id_card=document(village, person),
        )
        actions.complete_step(village, app, "review", {"opinion": "x"}, day=DAY)
        actions.approve_application(county, app, "decision", day=DAY)
        apps.append(app)
    for app in apps[:2]:
        actions.complete_step(county, app, "placement", facility=care_home, day=DAY)
    with pytest.raises(ValidationError) as error:
        actions.complete_step(county, apps[2], "placement", facility=care_home, day=DAY)
    assert error.value.message_dict == {
        "facility": ["巴州区阳光家园 has no free place (2 of 2 taken)."]
    }
    apps[2].refresh_from_db()
    assert (apps[2].current_step, apps[2].facility_id) == ("placement", None)


def test_a_person_without_a_valid_certificate_is_refused_with_the_reason(village, county, services):
    person = applicant(village)
    person.certificate.status = "frozen"
    person.certificate.save()
    with pytest.raises(ValidationError) as error:
        submit(village, person, "legal_aid", {"matter": "other", "description": "x"})
    assert error.value.messages == ["The person has no valid disability certificate on that day."]


def test_staff_of_another_village_cannot_apply_or_act(village, neighbour, services):
    person = applicant(village)
    with pytest.raises(PermissionDenied):
        submit(neighbour, person, "legal_aid", {"matter": "other", "description": "x"})
    app = submit(
        village,
        person,
        "certificate_home",
        {"request": "reissue", "reason": "x"},
        id_card=document(village, person),
    )
    with pytest.raises(PermissionDenied):
        actions.complete_step(neighbour, app, "check", {"mobility": "x"}, day=DAY)
    app.refresh_from_db()
    assert app.current_step == "check"
    assert ApplicationEvent.objects.filter(application=app).count() == 1


def test_a_step_done_twice_is_refused_the_second_time(village, services):
    person = applicant(village)
    app = submit(
        village,
        person,
        "certificate_home",
        {"request": "reissue", "reason": "x"},
        id_card=document(village, person),
    )
    actions.complete_step(village, app, "check", {"mobility": "x"}, day=DAY)
    with pytest.raises(ValidationError):
        actions.complete_step(village, app, "check", {"mobility": "x"}, day=DAY)
    assert ApplicationEvent.objects.filter(application=app).count() == 2


def test_reassignment_gives_the_step_to_one_worker_and_others_cannot_act(
    village, township, county, services
):
    colleague = factories.make_user("colleague", "county_officer", "511902")
    person = applicant(village)
    app = submit(village, person, "legal_aid", {"matter": "other", "description": "x"})
    with pytest.raises(ValidationError):
        actions.reassign_application(county, app, township)
    actions.reassign_application(county, app, colleague, "请处理")
    with pytest.raises(PermissionDenied):
        actions.complete_step(county, app, "intake", {"intake_note": "x"}, day=DAY)
    actions.complete_step(colleague, app, "intake", {"intake_note": "x"}, day=DAY)
    app.refresh_from_db()
    assert (app.current_step, app.assigned_to) == ("decision", None)


def test_comments_and_withdrawal_write_history(village, county, services):
    person = applicant(village)
    app = submit(village, person, "legal_aid", {"matter": "other", "description": "x"})
    actions.add_comment(county, app, "请补充材料")
    actions.withdraw_application(village, app, "已自行解决", day=DAY)
    app.refresh_from_db()
    assert (app.status, app.current_step, app.closed_on) == ("withdrawn", "", DAY)
    assert list(app.events.values_list("kind", "note")) == [
        ("submitted", ""),
        ("comment", "请补充材料"),
        ("withdrawn", "已自行解决"),
    ]
    # A closed application can be applied for again.
    again = submit(village, person, "legal_aid", {"matter": "other", "description": "y"})
    assert again.pk != app.pk
