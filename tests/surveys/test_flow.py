"""The survey, screen by screen: saving, resuming, registry differences, completing, and
the needs it states; closing needs."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests import factories
from tests.surveys.conftest import answers_for, fill_survey
from tongxing.core.models import AuditAction, AuditEvent
from tongxing.surveys import actions
from tongxing.surveys.definitions import Questionnaire
from tongxing.surveys.models import Need, NeedKind, NeedStatus, Survey, SurveyStatus


def test_each_screen_is_saved_and_the_survey_resumes_on_the_first_unsaved_one(
    village, person, definition
):
    survey = actions.start_survey(village, person, definition)
    questionnaire = Questionnaire.from_definition(definition)
    assert actions.resume_group(survey, questionnaire) == "basic"
    answers = answers_for(person)
    actions.save_survey_step(village, survey, "basic", answers["basic"])
    actions.save_survey_step(village, survey, "rehabilitation", answers["rehabilitation"])

    reloaded = Survey.objects.get(pk=survey.pk)
    assert reloaded.saved_groups == ["basic", "rehabilitation"]
    assert reloaded.answers["mobility"] == "walks"
    assert reloaded.answers["age"] == answers["basic"]["age"]
    assert actions.resume_group(reloaded, questionnaire) == "assistive_devices"
    assert reloaded.status == SurveyStatus.IN_PROGRESS


def test_starting_twice_returns_the_same_survey(village, person, definition):
    first = actions.start_survey(village, person, definition)
    assert actions.start_survey(village, person, definition) == first
    assert Survey.objects.count() == 1


def test_a_required_answer_missing_is_refused_and_nothing_is_saved(village, person, definition):
    survey = actions.start_survey(village, person, definition)
    basic = answers_for(person)["basic"] | {"mobility": None}
    with pytest.raises(ValidationError) as refused:
        actions.save_survey_step(village, survey, "basic", basic)
    assert refused.value.message_dict == {"mobility": ["Answer this question."]}
    survey.refresh_from_db()
    assert survey.saved_groups == []
    assert survey.answers == {}


def test_an_answer_outside_the_options_or_bounds_is_refused(village, person, definition):
    survey = actions.start_survey(village, person, definition)
    basic = answers_for(person)["basic"] | {"mobility": "flying", "age": 130}
    with pytest.raises(ValidationError) as refused:
        actions.save_survey_step(village, survey, "basic", basic)
    assert refused.value.message_dict == {
        "age": ["Enter a number of at most 120."],
        "mobility": ["Choose one of the answers offered."],
    }


def test_an_age_that_contradicts_the_id_number_is_saved_with_a_flag(village, person, definition):
    survey = actions.start_survey(village, person, definition)
    questionnaire = Questionnaire.from_definition(definition)
    registry_age = answers_for(person)["basic"]["age"]
    basic = answers_for(person, age=registry_age - 10)["basic"]
    survey = actions.save_survey_step(village, survey, "basic", basic)

    survey.refresh_from_db()
    assert survey.answers["age"] == registry_age - 10
    assert survey.flagged is True
    assert survey.flags == {
        "age": {"registry": registry_age, "answer": registry_age - 10, "confirmed": False}
    }
    # The survey stays on this screen until the worker corrects or confirms the answer.
    assert actions.resume_group(survey, questionnaire) == "basic"
    event = AuditEvent.objects.filter(object_type="surveys.survey").latest("id")
    assert event.changes["differs_from_registry"] == ["age"]


def test_a_confirmed_difference_lets_the_survey_go_on_and_stays_recorded(
    village, person, definition
):
    survey = actions.start_survey(village, person, definition)
    questionnaire = Questionnaire.from_definition(definition)
    basic = answers_for(person, disability_category="1")["basic"]
    survey = actions.save_survey_step(
        village, survey, "basic", basic, confirmed={"disability_category"}
    )
    assert survey.flags == {
        "disability_category": {"registry": "4", "answer": "1", "confirmed": True}
    }
    assert actions.resume_group(survey, questionnaire) == "rehabilitation"


def test_correcting_the_answer_clears_the_flag(village, person, definition):
    survey = actions.start_survey(village, person, definition)
    wrong = answers_for(person, disability_category="6")["basic"]
    actions.save_survey_step(village, survey, "basic", wrong)
    survey = actions.save_survey_step(village, survey, "basic", answers_for(person)["basic"])
    assert survey.flags == {}
    assert survey.flagged is False


def test_a_half_finished_survey_cannot_be_completed(village, person, definition):
    survey = fill_survey(village, person, definition, complete=False, screens=5)
    with pytest.raises(ValidationError) as refused:
        actions.complete_survey(village, survey)
    assert "文化体育" in refused.value.messages[0]
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.IN_PROGRESS
    assert survey.completed_at is None
    assert Need.objects.count() == 0


def test_an_unconfirmed_difference_blocks_completion(village, person, definition):
    survey = fill_survey(village, person, definition, complete=False, age=3)
    with pytest.raises(ValidationError):
        actions.complete_survey(village, survey)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.IN_PROGRESS


def test_completing_opens_one_need_per_kind_stated(village, person, definition):
    survey = fill_survey(
        village,
        person,
        definition,
        rehabilitation_need=True,
        device_need=["wheelchair", "walking_aid"],
        culture_need=["reading"],
        subsidy_need=True,
    )
    assert survey.status == SurveyStatus.COMPLETED
    assert survey.completed_by == village
    needs = Need.objects.filter(survey=survey).order_by("kind")
    assert [(n.kind, n.status, n.year, n.person_id) for n in needs] == [
        (NeedKind.ASSISTIVE_DEVICE, NeedStatus.OPEN, 2025, person.pk),
        (NeedKind.CULTURE_SPORTS, NeedStatus.OPEN, 2025, person.pk),
        (NeedKind.REHABILITATION, NeedStatus.OPEN, 2025, person.pk),
        (NeedKind.SUBSIDY, NeedStatus.OPEN, 2025, person.pk),
    ]
    assert AuditEvent.objects.filter(object_type="surveys.need").count() == 4


def test_a_completed_survey_no_longer_changes(village, person, definition):
    survey = fill_survey(village, person, definition)
    with pytest.raises(ValidationError):
        actions.save_survey_step(village, survey, "basic", answers_for(person)["basic"])


def test_a_worker_of_another_village_cannot_start_or_save(neighbour, village, person, definition):
    with pytest.raises(PermissionDenied):
        actions.start_survey(neighbour, person, definition)
    survey = actions.start_survey(village, person, definition)
    with pytest.raises(PermissionDenied):
        actions.save_survey_step(neighbour, survey, "basic", answers_for(person)["basic"])
    survey.refresh_from_db()
    assert survey.saved_groups == []


def test_answers_are_stored_encrypted(village, person, definition):
    from django.db import connection

    survey = fill_survey(village, person, definition, complete=False, screens=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers_data FROM surveys_survey WHERE id = %s", [survey.pk])
        stored = cursor.fetchone()[0]
    assert "walks" not in stored
    assert stored.startswith("sm4g1:")


# --- closing needs ------------------------------------------------------------------------


@pytest.fixture
def need(village, person, definition):
    fill_survey(village, person, definition, care_need=True)
    return Need.objects.get()


def test_a_need_met_by_a_service_records_who_when_and_the_reference(township, need):
    actions.close_need(need, user=township, outcome="met", reference="居家照护 2025-031")
    need.refresh_from_db()
    assert (need.status, need.closed_by, need.reference) == ("met", township, "居家照护 2025-031")
    assert need.closed_at is not None
    event = AuditEvent.objects.filter(object_type="surveys.need", action=AuditAction.UPDATE).get()
    assert event.changes == {"status": ["open", "met"], "reference": ["", "居家照护 2025-031"]}


def test_a_need_is_met_only_with_a_reference_and_declined_only_with_a_reason(village, need):
    with pytest.raises(ValidationError) as refused:
        actions.close_need(need, user=village, outcome="met", reference="  ")
    assert refused.value.message_dict == {"reference": ["Say which service met the need."]}
    with pytest.raises(ValidationError) as refused:
        actions.close_need(need, user=village, outcome="declined")
    assert refused.value.message_dict == {"reason": ["Say why the need is declined."]}
    need.refresh_from_db()
    assert (need.status, need.closed_at) == ("open", None)


def test_a_declined_need_keeps_the_reason_and_cannot_be_closed_again(village, need):
    actions.close_need(need, user=village, outcome="declined", reason="家属自行照护")
    need.refresh_from_db()
    assert (need.status, need.reason) == ("declined", "家属自行照护")
    with pytest.raises(ValidationError):
        actions.close_need(need, user=village, outcome="met", reference="x")


def test_staff_outside_the_area_cannot_close_a_need(other_county, neighbour, need):
    for outsider in (other_county, neighbour):
        with pytest.raises(PermissionDenied):
            actions.close_need(need, user=outsider, outcome="met", reference="x")
    need.refresh_from_db()
    assert need.status == "open"


def test_a_deceased_person_is_not_surveyed(village, definition):
    import datetime as dt

    from tongxing.registry.actions import record_death

    person = factories.make_person(village)
    record_death(village, person, dt.date(2025, 1, 5))
    with pytest.raises(ValidationError):
        actions.start_survey(village, person, definition)
    assert Survey.objects.count() == 0
