"""A need stated in the survey becomes a service application, and the application's end
closes the need (issue #6 item 1 and its "Done when")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.services.conftest import DAY, applicant
from tests.surveys.conftest import fill_survey
from tongxing.core.models import AuditEvent
from tongxing.services import actions as services
from tongxing.services.models import Application, ApplicationStatus, Document
from tongxing.surveys import actions
from tongxing.surveys.definitions import Questionnaire
from tongxing.surveys.models import Need, NeedApplication, NeedStatus
from tongxing.surveys.need_services import need_services, prefill

ANSWERS = {"mode": "day", "situation": "独居，无照料人"}


def start(actor, need, key="form-1", answers=ANSWERS):
    card = Document.objects.get(person=need.person, kind="id_card")
    return actions.start_application_for_need(actor, need, answers, {"id_card": card}, key, day=DAY)


def test_the_bazhong_pack_maps_six_need_kinds_to_service_types():
    assert {kind: m.service for kind, m in need_services().items()} == {
        "assistive_device": "assistive_device",
        "rehabilitation": "child_rehabilitation",
        "home_renovation": "home_renovation",
        "care": "care_services",
        "education": "education_aid",
        "legal_aid": "legal_aid",
    }


def test_the_care_form_is_pre_filled_from_the_survey_answers(care_need):
    survey = care_need.survey
    values = prefill(
        need_services()["care"], Questionnaire.from_definition(survey.definition), survey.answers
    )
    assert values == {"situation": "行动能力：使用轮椅\n是否独居：Yes\n是否有固定的照料人：No"}


def test_a_device_need_pre_fills_the_item_from_the_first_device_in_the_questionnaire(
    village, definition
):
    person = applicant(village, category=4, grade=2)
    survey = fill_survey(
        village, person, definition, device_need=["hearing_aid", "wheelchair"], mobility="walks"
    )
    values = prefill(
        need_services()["assistive_device"],
        Questionnaire.from_definition(definition),
        survey.answers,
    )
    assert values == {
        "item": "wheelchair_manual",
        "need": "行动能力：能独立行走\n"
        "需要哪些辅助器具（可多选，不需要则不选）：轮椅、助听器\n"
        "是否独居：No\n是否有固定的照料人：Yes",
    }


def test_starting_an_application_from_a_need_links_them(village, care_need):
    application = start(village, care_need)
    assert (application.service_type.code, application.answers, application.status) == (
        "care_services",
        ANSWERS,
        ApplicationStatus.IN_PROGRESS,
    )
    link = NeedApplication.objects.get()
    assert (link.need, link.application, link.created_by) == (care_need, application, village)
    care_need.refresh_from_db()
    assert care_need.status == NeedStatus.OPEN
    assert (
        AuditEvent.objects.filter(
            object_type="surveys.need", object_id=str(care_need.pk), summary__contains="started"
        ).count()
        == 1
    )


def test_a_double_submit_makes_one_application_and_a_second_form_is_refused(village, care_need):
    first = start(village, care_need, key="form-1")
    again = start(village, care_need, key="form-1")
    assert again.pk == first.pk
    with pytest.raises(ValidationError, match="already under way"):
        start(village, care_need, key="form-2")
    assert (Application.objects.count(), NeedApplication.objects.count()) == (1, 1)


def test_a_village_worker_in_the_next_village_cannot_start_one(neighbour, care_need):
    with pytest.raises(PermissionDenied):
        start(neighbour, care_need)
    assert (Application.objects.count(), NeedApplication.objects.count()) == (0, 0)


def test_a_need_without_a_service_type_is_refused(village, definition):
    person = applicant(village, category=5, grade=2)
    fill_survey(village, person, definition, culture_need=["reading"])
    need = Need.objects.get(person=person)
    with pytest.raises(ValidationError, match="No service type"):
        actions.start_application_for_need(village, need, {}, {}, "k", day=DAY)
    assert Application.objects.count() == 0


def test_an_ineligible_person_gets_the_reasons_and_nothing_is_created(village, definition):
    # Child rehabilitation is for children; an adult's rehabilitation need is refused.
    person = applicant(village, born=dt.date(1980, 1, 1), category=4, grade=2)
    fill_survey(village, person, definition, rehabilitation_need=True)
    need = Need.objects.get(person=person, kind="rehabilitation")
    with pytest.raises(ValidationError, match="ages"):
        actions.start_application_for_need(village, need, {"concern": "x"}, {}, "k", day=DAY)
    assert (Application.objects.count(), NeedApplication.objects.count()) == (0, 0)


def complete(village, county, provider, care_home, application):
    services.complete_step(village, application, "review", {"opinion": "属实"}, day=DAY)
    services.approve_application(county, application, "decision", day=DAY)
    services.complete_step(county, application, "placement", facility=care_home, day=DAY)
    return services.complete_step(
        provider, application, "admission", {"start_date": "2025-11-10"}, day=DAY
    )


def test_the_need_is_met_when_its_application_is_completed(
    village, county, provider, care_home, care_need
):
    application = start(village, care_need)
    services.complete_step(village, application, "review", {"opinion": "属实"}, day=DAY)
    services.approve_application(county, application, "decision", day=DAY)
    care_need.refresh_from_db()
    assert care_need.status == NeedStatus.OPEN  # approved, not yet delivered
    services.complete_step(county, application, "placement", facility=care_home, day=DAY)
    services.complete_step(
        provider, application, "admission", {"start_date": "2025-11-10"}, day=DAY
    )
    care_need.refresh_from_db()
    assert (care_need.status, care_need.closed_by, care_need.reference) == (
        NeedStatus.MET,
        provider,
        f"残疾人托养服务（阳光家园） #{application.pk}",
    )


def test_the_need_stays_open_with_a_note_when_the_application_is_refused(
    village, county, care_need
):
    application = start(village, care_need)
    services.complete_step(village, application, "review", {"opinion": "属实"}, day=DAY)
    services.refuse_application(county, application, "decision", "名额已满", day=DAY)
    care_need.refresh_from_db()
    assert (care_need.status, care_need.closed_at) == (NeedStatus.OPEN, None)
    assert NeedApplication.objects.get().note == "Refused: 名额已满"
    # With the refused one ended, a new application may be started for the same need.
    second = start(village, care_need, key="form-2")
    assert second.pk != application.pk
    assert NeedApplication.objects.filter(need=care_need).count() == 2


def test_the_need_is_declined_when_the_person_withdraws_the_application(village, care_need):
    application = start(village, care_need)
    services.withdraw_application(village, application, "本人不愿离家", day=DAY)
    care_need.refresh_from_db()
    reason = f"残疾人托养服务（阳光家园） #{application.pk} withdrawn: 本人不愿离家"
    assert (care_need.status, care_need.reason) == (NeedStatus.DECLINED, reason)


def test_a_need_closed_by_hand_meanwhile_stays_as_it_was(village, county, care_need):
    application = start(village, care_need)
    actions.close_need(care_need, user=village, outcome="declined", reason="家属自行解决")
    services.withdraw_application(village, application, "不再需要", day=DAY)
    care_need.refresh_from_db()
    assert (care_need.status, care_need.reason) == (NeedStatus.DECLINED, "家属自行解决")


def test_an_application_not_from_a_need_changes_no_need(village, county, care_need):
    card = Document.objects.get(person=care_need.person)
    application = services.submit_application(
        village, care_need.person, "care_services", ANSWERS, {"id_card": card}, "direct", day=DAY
    )
    services.withdraw_application(village, application, "x", day=DAY)
    care_need.refresh_from_db()
    assert care_need.status == NeedStatus.OPEN


def test_the_progress_figures_count_a_need_met_by_a_service(
    village, county, provider, care_home, care_need
):
    from tongxing.areas.models import Area
    from tongxing.surveys.queries import survey_progress

    application = start(village, care_need)
    complete(village, county, provider, care_home, application)
    progress = survey_progress(county, Area.objects.get(code="511902"), 2025)
    assert (progress.total.needs_met, progress.total.needs_open) == (1, 0)


def test_a_form_already_used_for_another_application_is_refused(village, care_need):
    card = Document.objects.get(person=care_need.person)
    services.submit_application(
        village, care_need.person, "legal_aid", {"matter": "other", "description": "x"}, {}, "t"
    )
    with pytest.raises(ValidationError, match="already used"):
        actions.start_application_for_need(
            village, care_need, ANSWERS, {"id_card": card}, "t", day=DAY
        )
    assert NeedApplication.objects.count() == 0
